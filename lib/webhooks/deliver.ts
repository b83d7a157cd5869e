// Sending webhook deliveries: the worker (jobs/worker.ts) runs `startWebhookDispatcher`, which claims
// due deliveries (status `pending`, `nextAttemptAt` passed) with a conditional update, so several
// workers never send one twice; a worker that dies mid-send leaves a `sending` row whose lease runs
// out and is picked up again. Each attempt is a POST with the signed JSON body, recorded as a
// WebhookAttempt; network errors, timeouts and non-2xx answers are retried 2, 4, 8, 16, 32 minutes
// later, then the delivery fails.
import { config, type Config } from '../config';
import type { Db } from '../db';
import { DELIVERY_HEADER, EVENT_HEADER, sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './sign';

/** Each attempt waits at most this long for an answer. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

/** The wait after attempt `n` (1-based) failed: 2^n minutes (2, 4, 8, 16, 32: the sixth attempt about an hour after the first). */
export function retryDelayMs(attempt: number): number {
  return 2 ** Math.max(1, attempt) * 60_000;
}

export type DeliverOptions = {
  workerId?: string;
  /** The clock for due times and retries (tests move it forward). */
  now?: Date;
  /** Deliveries sent at once per call. */
  limit?: number;
  timeoutMs?: number;
  cfg?: Config;
};

export type DeliverResult = { sent: number; delivered: number; retrying: number; failed: number; cancelled: number };

type Outcome = { statusCode: number | null; error: string | null; durationMs: number; ok: boolean };

/** One POST. Never throws: every failure becomes an outcome with an error message. */
async function post(url: string, secret: string | undefined, d: { id: string; event: string; body: string }, timeoutMs: number): Promise<Outcome> {
  const ts = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'masklab-webhooks/1',
    [EVENT_HEADER]: d.event,
    [DELIVERY_HEADER]: d.id,
    [TIMESTAMP_HEADER]: String(ts),
  };
  if (secret) headers[SIGNATURE_HEADER] = sign(secret, ts, d.body);
  const t0 = Date.now();
  try {
    const res = await fetch(url, { method: 'POST', headers, body: d.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text().catch(() => '');
    const durationMs = Date.now() - t0;
    if (res.status >= 200 && res.status < 300) return { statusCode: res.status, error: null, durationMs, ok: true };
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    return { statusCode: res.status, error: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${snippet ? `: ${snippet}` : ''}`, durationMs, ok: false };
  } catch (err) {
    const durationMs = Date.now() - t0;
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { statusCode: null, error: `no answer within ${timeoutMs >= 1000 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`}`, durationMs, ok: false };
    const cause = e.cause?.code ?? e.cause?.message;
    return { statusCode: null, error: `${e.message}${cause ? ` (${cause})` : ''}`.slice(0, 500), durationMs, ok: false };
  }
}

/** Sends the deliveries that are due, at most `limit` at once; returns what became of them. */
export async function deliverDue(db: Db, opts: DeliverOptions = {}): Promise<DeliverResult> {
  const now = opts.now ?? new Date();
  const cfg = opts.cfg ?? config();
  const workerId = opts.workerId ?? `deliver:${process.pid}`;
  const timeoutMs = opts.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const result: DeliverResult = { sent: 0, delivered: 0, retrying: 0, failed: 0, cancelled: 0 };
  // A worker that died while sending: its claim lapses and the delivery is due again (same attempt number).
  await db.webhookDelivery.updateMany({ where: { status: 'sending', leaseUntil: { lt: now } }, data: { status: 'pending', lockedBy: null, leaseUntil: null } });
  const due = await db.webhookDelivery.findMany({
    where: { status: 'pending', nextAttemptAt: { lte: now } },
    orderBy: [{ nextAttemptAt: 'asc' }, { createdAt: 'asc' }],
    take: opts.limit ?? 10,
    select: { id: true },
  });
  const leaseUntil = new Date(now.getTime() + timeoutMs + 60_000);
  const claimed: string[] = [];
  for (const d of due) {
    const got = await db.webhookDelivery.updateMany({ where: { id: d.id, status: 'pending' }, data: { status: 'sending', lockedBy: workerId, leaseUntil } });
    if (got.count === 1) claimed.push(d.id);
  }
  await Promise.all(
    claimed.map(async (id) => {
      const d = await db.webhookDelivery.findUnique({ where: { id }, include: { webhook: true } });
      if (!d) return; // its hook was deleted meanwhile
      let url: string | undefined;
      let secret: string | undefined;
      let stop: string | null = null;
      if (d.webhookId) {
        if (!d.webhook) return;
        if (!d.webhook.enabled) stop = 'the webhook was disabled before it was sent';
        url = d.webhook.url;
        secret = d.webhook.secret;
      } else if (!cfg.webhookUrl) {
        stop = 'MASKLAB_WEBHOOK_URL is no longer set';
      } else {
        url = cfg.webhookUrl;
        secret = cfg.webhookSecret;
      }
      if (stop || !url) {
        const r = await db.webhookDelivery.updateMany({
          where: { id, status: 'sending', lockedBy: workerId },
          data: { status: 'cancelled', lastError: stop, lockedBy: null, leaseUntil: null, finishedAt: new Date() },
        });
        if (r.count) result.cancelled++;
        return;
      }
      const out = await post(url, secret, d, timeoutMs);
      const attempt = d.attempts + 1;
      const retry = !out.ok && attempt < d.maxAttempts;
      const nextRetryAt = retry ? new Date(now.getTime() + retryDelayMs(attempt)) : null;
      const status = out.ok ? 'delivered' : retry ? 'pending' : 'failed';
      await db.$transaction(async (tx) => {
        const r = await tx.webhookDelivery.updateMany({
          where: { id, status: 'sending', lockedBy: workerId },
          data: {
            status,
            attempts: attempt,
            url,
            lastStatusCode: out.statusCode,
            lastError: out.error,
            lastDurationMs: out.durationMs,
            lockedBy: null,
            leaseUntil: null,
            ...(nextRetryAt ? { nextAttemptAt: nextRetryAt } : {}),
            finishedAt: retry ? null : new Date(),
          },
        });
        if (r.count !== 1) return; // no longer ours (its lease ran out, or it was deleted)
        await tx.webhookAttempt.create({ data: { deliveryId: id, attempt, statusCode: out.statusCode, error: out.error, durationMs: out.durationMs, nextRetryAt } });
      });
      result.sent++;
      if (out.ok) result.delivered++;
      else if (retry) result.retrying++;
      else result.failed++;
    }),
  );
  return result;
}

/**
 * The worker's sending loop: `deliverDue` until nothing is due, then a pause of `pollMs`. `stop()`
 * lets the current round finish.
 */
export function startWebhookDispatcher(db: Db, opts: { workerId: string; pollMs: number; log?: (line: string) => void }): { stop: () => Promise<void> } {
  let stopping = false;
  let wake: (() => void) | null = null;
  const say = opts.log ?? ((l: string) => console.log(l));
  const loop = (async () => {
    while (!stopping) {
      let busy = false;
      try {
        const r = await deliverDue(db, { workerId: opts.workerId });
        busy = r.sent + r.cancelled > 0;
        if (r.failed) say(`webhooks: ${r.failed} delivery(ies) failed for good (see /admin/webhooks)`);
      } catch (err) {
        say(`webhooks: ${(err as Error).message}`);
      }
      if (!busy && !stopping) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, opts.pollMs);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = null;
      }
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      (wake as (() => void) | null)?.();
      await loop;
    },
  };
}
