// Sending webhook deliveries: the worker (jobs/worker.ts) runs `startWebhookDispatcher`, which sends
// each hook's due deliveries in its own lane (oldest first, one at a time per hook and worker), so a
// slow receiver holds up only its own hook. A lane claims one delivery at a time with a conditional
// update, so several workers never send one twice; a worker that dies mid-send leaves a `sending` row
// whose lease runs out and is picked up again. Each attempt is a POST with the signed JSON body
// (post.ts), recorded as a WebhookAttempt; network errors, timeouts, redirects and non-2xx answers are
// retried 2, 4, 8, 16, 32 minutes later, then the delivery fails. A refused destination (destination.ts)
// is not contacted and fails at once, the log saying why.
import { config, type Config } from '../config';
import type { Db } from '../db';
import { destinationRefusal, type Resolve } from './destination';
import { post } from './post';
import { pollLoop } from '../queue/poll';

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
  /** Deliveries sent per hook per call (one after the other; the hooks at once). */
  limit?: number;
  timeoutMs?: number;
  cfg?: Config;
  /** Host name resolution (tests simulate DNS). */
  resolve?: Resolve;
};

export type DeliverResult = { sent: number; delivered: number; retrying: number; failed: number; cancelled: number };

type Lane = {
  db: Db;
  cfg: Config;
  workerId: string;
  timeoutMs: number;
  resolve?: Resolve;
  /** The clock: fixed in tests, the real one in the dispatcher. */
  now: () => Date;
  result: DeliverResult;
};

const emptyResult = (): DeliverResult => ({ sent: 0, delivered: 0, retrying: 0, failed: 0, cancelled: 0 });

/** A worker that died while sending: its claim lapses and the delivery is due again (same attempt number). */
async function releaseLapsed(db: Db, now: Date): Promise<void> {
  await db.webhookDelivery.updateMany({ where: { status: 'sending', leaseUntil: { lt: now } }, data: { status: 'pending', lockedBy: null, leaseUntil: null } });
}

/** The hooks (their `webhookId`; null: MASKLAB_WEBHOOK_URL's) that have deliveries due. */
async function dueHooks(db: Db, now: Date): Promise<(string | null)[]> {
  const rows = await db.webhookDelivery.groupBy({ by: ['webhookId'], where: { status: 'pending', nextAttemptAt: { lte: now } } });
  return rows.map((r) => r.webhookId);
}

/** Claims the hook's oldest due delivery for this worker; null when none is due (or others took them all). */
async function claimNext(lane: Lane, webhookId: string | null): Promise<string | null> {
  for (;;) {
    const now = lane.now();
    const next = await lane.db.webhookDelivery.findFirst({
      where: { webhookId, status: 'pending', nextAttemptAt: { lte: now } },
      orderBy: [{ nextAttemptAt: 'asc' }, { createdAt: 'asc' }],
      select: { id: true },
    });
    if (!next) return null;
    const leaseUntil = new Date(now.getTime() + lane.timeoutMs + 60_000);
    const got = await lane.db.webhookDelivery.updateMany({ where: { id: next.id, status: 'pending' }, data: { status: 'sending', lockedBy: lane.workerId, leaseUntil } });
    if (got.count === 1) return next.id;
    // another worker claimed it first: try the next one
  }
}

/** Sends one claimed delivery and records the attempt. */
async function sendClaimed(lane: Lane, id: string): Promise<void> {
  const { db, cfg, workerId, result } = lane;
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
  const out = await post(url, secret, d, { timeoutMs: lane.timeoutMs, allow: cfg.webhookAllowHosts, resolve: lane.resolve });
  const now = lane.now();
  const attempt = d.attempts + 1;
  const retry = !out.ok && !out.refused && attempt < d.maxAttempts;
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
    await tx.webhookAttempt.create({ data: { deliveryId: id, attempt, url, statusCode: out.statusCode, error: out.error, durationMs: out.durationMs, nextRetryAt } });
  });
  result.sent++;
  if (out.ok) result.delivered++;
  else if (retry) result.retrying++;
  else result.failed++;
}

/** One hook's lane: its due deliveries, oldest first, one at a time, at most `limit`. */
async function runLane(lane: Lane, webhookId: string | null, limit: number): Promise<void> {
  for (let n = 0; n < limit; n++) {
    const id = await claimNext(lane, webhookId);
    if (!id) return;
    await sendClaimed(lane, id);
  }
}

function laneOf(db: Db, opts: DeliverOptions, now: () => Date): Lane {
  return {
    db,
    cfg: opts.cfg ?? config(),
    workerId: opts.workerId ?? `deliver:${process.pid}`,
    timeoutMs: opts.timeoutMs ?? ATTEMPT_TIMEOUT_MS,
    resolve: opts.resolve,
    now,
    result: emptyResult(),
  };
}

/** Sends the deliveries that are due, every hook at once (each hook's one after the other); returns what became of them. */
export async function deliverDue(db: Db, opts: DeliverOptions = {}): Promise<DeliverResult> {
  const fixed = opts.now;
  const lane = laneOf(db, opts, () => fixed ?? new Date());
  const now = lane.now();
  await releaseLapsed(db, now);
  const hooks = await dueHooks(db, now);
  await Promise.all(hooks.map((h) => runLane(lane, h, opts.limit ?? 10)));
  return lane.result;
}

/**
 * The worker's sending loop: every `pollMs` (and whenever a lane ends) it starts a lane for each hook
 * with due deliveries that has none running here; a lane sends until its hook has nothing due. A
 * receiver that takes its time delays only its own hook. `stop()` lets the running lanes finish.
 */
export function startWebhookDispatcher(
  db: Db,
  opts: { workerId: string; pollMs: number; log?: (line: string) => void; timeoutMs?: number; cfg?: Config; resolve?: Resolve },
): { stop: () => Promise<void> } {
  let stopping = false;
  const say = opts.log ?? ((l: string) => console.log(l));
  const lanes = new Map<string | null, Promise<void>>();
  const startLane = (webhookId: string | null) => {
    const lane = laneOf(db, opts, () => new Date());
    const p = runLane(lane, webhookId, Infinity)
      .catch((err: Error) => say(`webhooks: ${err.message}`))
      .then(() => {
        if (lane.result.failed) say(`webhooks: ${lane.result.failed} delivery(ies) failed for good (see /admin/webhooks)`);
        lanes.delete(webhookId);
        // more may have become due for it meanwhile (not after an error: no busy loop on a broken database)
        if (lane.result.sent + lane.result.cancelled > 0) poller.nudge();
      });
    lanes.set(webhookId, p);
  };
  const cfg = opts.cfg ?? config();
  if (cfg.webhookUrl) {
    // MASKLAB_WEBHOOK_URL's host name was not resolved when the configuration was read: say now if it is refused
    void destinationRefusal(cfg.webhookUrl, { allow: cfg.webhookAllowHosts, resolve: opts.resolve }).then((why) => why && say(`webhooks: MASKLAB_WEBHOOK_URL: ${why}`));
  }
  const poller = pollLoop(
    async () => {
      const now = new Date();
      await releaseLapsed(db, now);
      for (const h of await dueHooks(db, now)) if (!lanes.has(h) && !stopping) startLane(h);
      return false; // the lanes send; look again after pollMs, or when a lane that sent something ends
    },
    { pollMs: opts.pollMs, onError: (err) => say(`webhooks: ${err.message}`) },
  );
  return {
    stop: async () => {
      stopping = true;
      await poller.stop();
      await Promise.all(lanes.values());
    },
  };
}
