// Webhook events: what happened, turned into one delivery row per hook that wants it (docs/api.md
// "Webhooks"). `emitEvent` only writes rows (in the caller's transaction when given one); the worker
// sends them (deliver.ts). A low layer: it needs the database and the configuration only, so
// training, the model registry and imports can call it.
import crypto from 'node:crypto';
import { z } from 'zod';
import { config, type Config } from '../config';
import type { Db, Tx } from '../db';

export const WEBHOOK_EVENTS = ['run.finished', 'run.failed', 'model.promoted', 'import.finished'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** Sent only by "Send test event" on /admin/webhooks, to the one hook, whatever its events. */
export const TEST_EVENT = 'webhook.test';
export const webhookEventsSchema = z.array(z.enum(WEBHOOK_EVENTS)).min(1, 'choose at least one event').max(WEBHOOK_EVENTS.length);

/** Attempts per delivery: the first plus five retries, 2, 4, 8, 16 and 32 minutes apart (about an hour). */
export const MAX_ATTEMPTS = 6;

type Client = Db | Tx;

/** The hooks that get `event`: enabled rows subscribed to it, then the MASKLAB_WEBHOOK_URL hook (every event). */
async function targets(db: Client, event: WebhookEvent, cfg: Config): Promise<{ webhookId: string | null; url: string }[]> {
  // A handful of rows: filtered here, as the event list is a JSON column.
  const hooks = await db.webhook.findMany({ where: { enabled: true }, select: { id: true, url: true, events: true }, orderBy: { createdAt: 'asc' } });
  const out: { webhookId: string | null; url: string }[] = hooks.filter((h) => parseEvents(h.events).includes(event)).map((h) => ({ webhookId: h.id, url: h.url }));
  if (cfg.webhookUrl) out.push({ webhookId: null, url: cfg.webhookUrl });
  return out;
}

export function parseEvents(raw: string): WebhookEvent[] {
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.filter((e): e is WebhookEvent => (WEBHOOK_EVENTS as readonly string[]).includes(e as string)) : [];
  } catch {
    return [];
  }
}

/** A link to a page of the app, when its public URL (NEXTAUTH_URL) is configured. */
export function appLink(cfg: Config, pathname: string): string | undefined {
  if (!cfg.appUrl) return undefined;
  return new URL(pathname, cfg.appUrl.endsWith('/') ? cfg.appUrl : `${cfg.appUrl}/`).toString();
}

export type EventData = { runId: string | null; url?: string } & Record<string, unknown>;

/** The JSON body of one delivery: `event`, `id` (the delivery), `eventId`, `timestamp`, `runId`, then the event's fields. */
export function eventBody(event: string, deliveryId: string, eventId: string, at: Date, data: EventData): string {
  const { runId, ...rest } = data;
  return JSON.stringify({ event, id: deliveryId, eventId, timestamp: at.toISOString(), runId, ...rest });
}

/**
 * Records `event` for every hook that wants it; returns how many deliveries were queued. Call it inside
 * the transaction that makes the event true (or right after it), so an event is neither lost nor sent
 * for something that did not happen. Throws on a database error (the caller's transaction rolls back).
 */
export async function emitEvent(db: Client, event: WebhookEvent, data: EventData, opts: { cfg?: Config; at?: Date } = {}): Promise<number> {
  const cfg = opts.cfg ?? config();
  const at = opts.at ?? new Date();
  const list = await targets(db, event, cfg);
  if (!list.length) return 0;
  const eventId = crypto.randomUUID();
  const rows = list.map((t) => {
    const id = crypto.randomUUID();
    return { id, webhookId: t.webhookId, url: t.url, event, eventId, body: eventBody(event, id, eventId, at, data), maxAttempts: MAX_ATTEMPTS, nextAttemptAt: at, createdAt: at };
  });
  await db.webhookDelivery.createMany({ data: rows });
  return rows.length;
}

/** `emitEvent` for callers whose own work is already stored (an import): a failure is logged, never thrown. */
export async function emitEventSafely(db: Client, event: WebhookEvent, data: EventData, opts: { cfg?: Config } = {}): Promise<void> {
  await emitEvent(db, event, data, opts).catch((err) => console.error(`masklab: queueing webhook ${event}: ${(err as Error).message}`));
}

/** The few numbers of a run's metrics that a chat message or CI step wants (the full metrics stay in the app). */
export function metricsSummary(m: unknown): Record<string, number> | null {
  if (!m || typeof m !== 'object') return null;
  const r = m as { n?: unknown; accuracy?: unknown; macro?: { f1?: unknown }; weighted?: { f1?: unknown }; maskAccuracy?: unknown; ageAccuracy?: unknown };
  const out: Record<string, number> = {};
  const put = (k: string, v: unknown) => {
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  };
  put('testFaces', r.n);
  put('accuracy', r.accuracy);
  put('macroF1', r.macro?.f1);
  put('weightedF1', r.weighted?.f1);
  put('maskAccuracy', r.maskAccuracy);
  put('ageAccuracy', r.ageAccuracy);
  return Object.keys(out).length ? out : null;
}
