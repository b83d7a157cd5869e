// Managing webhooks (admins, /admin/webhooks): add, enable/disable, delete, rotate and reveal a
// secret, send a test event, redeliver, and the delivery log. Lists never carry a secret: only
// `createWebhook`, `rotateWebhookSecret` and `revealWebhookSecret` return one, and only admins call them.
import crypto from 'node:crypto';
import { z } from 'zod';
import { UserError } from '../errors';
import { config, type Config, httpUrlSchema } from '../config';
import type { Db } from '../db';
import { destinationRefusal, type Resolve } from './destination';
import { eventBody, MAX_ATTEMPTS, parseEvents, TEST_EVENT, type WebhookEvent, webhookEventsSchema } from './events';
import { newSecret } from './sign';

export const newWebhookSchema = z.object({
  url: httpUrlSchema,
  events: webhookEventsSchema,
});
export type NewWebhook = z.infer<typeof newWebhookSchema>;

export type WebhookView = {
  /** null: the hook from MASKLAB_WEBHOOK_URL (set in the environment, not editable here). */
  id: string | null;
  url: string;
  events: WebhookEvent[] | 'all';
  enabled: boolean;
  signed: boolean;
  createdAt: string | null;
};

export async function listWebhooks(db: Db, cfg: Config = config()): Promise<WebhookView[]> {
  const rows = await db.webhook.findMany({ orderBy: { createdAt: 'asc' }, select: { id: true, url: true, events: true, enabled: true, createdAt: true } });
  const out: WebhookView[] = rows.map((h) => ({ id: h.id, url: h.url, events: parseEvents(h.events), enabled: h.enabled, signed: true, createdAt: h.createdAt.toISOString() }));
  if (cfg.webhookUrl) out.push({ id: null, url: cfg.webhookUrl, events: 'all', enabled: true, signed: !!cfg.webhookSecret, createdAt: null });
  return out;
}

async function hook(db: Db, id: string) {
  const h = await db.webhook.findUnique({ where: { id } });
  if (!h) throw new UserError('No such webhook (it may have been deleted)', 404);
  return h;
}

/**
 * Adds a hook. Refuses (UserError) a URL that points at a loopback, private, link-local… address, or a
 * host name that resolves to one, unless MASKLAB_WEBHOOK_ALLOW_HOSTS lists it; every attempt checks
 * the address again when it connects.
 */
export async function createWebhook(
  db: Db,
  input: NewWebhook,
  createdById: string | null,
  opts: { cfg?: Config; resolve?: Resolve } = {},
): Promise<{ id: string; secret: string }> {
  const { url, events } = newWebhookSchema.parse(input);
  const refused = await destinationRefusal(url, { allow: (opts.cfg ?? config()).webhookAllowHosts, resolve: opts.resolve });
  if (refused) throw new UserError(`url: ${refused}`);
  const secret = newSecret();
  const h = await db.webhook.create({ data: { url, events: JSON.stringify([...new Set(events)]), secret, createdById } });
  return { id: h.id, secret };
}

export async function setWebhookEnabled(db: Db, id: string, enabled: boolean): Promise<void> {
  await hook(db, id);
  await db.webhook.update({ where: { id }, data: { enabled } });
}

export async function setWebhookEvents(db: Db, id: string, events: WebhookEvent[]): Promise<void> {
  await hook(db, id);
  await db.webhook.update({ where: { id }, data: { events: JSON.stringify([...new Set(webhookEventsSchema.parse(events))]) } });
}

/** Deletes the hook with its delivery log. */
export async function deleteWebhook(db: Db, id: string): Promise<void> {
  await hook(db, id);
  await db.webhook.delete({ where: { id } });
}

/** A new secret; the old one stops at once (deliveries still pending are signed with the new one). */
export async function rotateWebhookSecret(db: Db, id: string): Promise<string> {
  await hook(db, id);
  const secret = newSecret();
  await db.webhook.update({ where: { id }, data: { secret } });
  return secret;
}

export async function revealWebhookSecret(db: Db, id: string): Promise<string> {
  return (await hook(db, id)).secret;
}

/** Queues a `webhook.test` delivery to one hook (id null: the MASKLAB_WEBHOOK_URL hook); the worker sends it. */
export async function sendTestEvent(db: Db, id: string | null, actor: { email: string } | null, cfg: Config = config()): Promise<{ deliveryId: string }> {
  let url: string;
  if (id) {
    const h = await hook(db, id);
    if (!h.enabled) throw new UserError('This webhook is disabled: enable it to send a test event');
    url = h.url;
  } else {
    if (!cfg.webhookUrl) throw new UserError('MASKLAB_WEBHOOK_URL is not set');
    url = cfg.webhookUrl;
  }
  const at = new Date();
  const deliveryId = crypto.randomUUID();
  const eventId = crypto.randomUUID();
  const body = eventBody(TEST_EVENT, deliveryId, eventId, at, { runId: null, message: 'A test event from masklab', sentBy: actor?.email ?? null });
  await db.webhookDelivery.create({ data: { id: deliveryId, webhookId: id, url, event: TEST_EVENT, eventId, body, maxAttempts: MAX_ATTEMPTS, nextAttemptAt: at, createdAt: at } });
  return { deliveryId };
}

/** Sends a delivery's event again, as a new delivery with the same `eventId` (receivers can tell it is the same event). */
export async function redeliver(db: Db, deliveryId: string, cfg: Config = config()): Promise<{ deliveryId: string }> {
  const d = await db.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { webhook: { select: { enabled: true, url: true } } } });
  if (!d) throw new UserError('No such delivery (its webhook may have been deleted)', 404);
  if (d.webhookId && !d.webhook?.enabled) throw new UserError('This webhook is disabled: enable it to redeliver');
  if (!d.webhookId && !cfg.webhookUrl) throw new UserError('MASKLAB_WEBHOOK_URL is no longer set');
  const id = crypto.randomUUID();
  const old = JSON.parse(d.body) as Record<string, unknown>;
  const body = JSON.stringify({ ...old, id, redeliveryOf: d.id });
  const at = new Date();
  await db.webhookDelivery.create({
    data: { id, webhookId: d.webhookId, url: d.webhook?.url ?? cfg.webhookUrl ?? d.url, event: d.event, eventId: d.eventId, body, maxAttempts: MAX_ATTEMPTS, nextAttemptAt: at, createdAt: at },
  });
  return { deliveryId: id };
}

export type DeliveryView = {
  id: string;
  webhookId: string | null;
  /** Where it was last sent (or, before its first attempt, where it goes): not the hook's URL of today. */
  url: string;
  event: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  nextAttemptAt: string | null;
  createdAt: string;
  finishedAt: string | null;
  tries: { attempt: number; url: string; at: string; statusCode: number | null; error: string | null; durationMs: number; nextRetryAt: string | null }[];
};

/** The latest deliveries (all hooks, or one; `null`: the MASKLAB_WEBHOOK_URL hook), newest first, with their attempts. */
export async function listDeliveries(db: Db, opts: { webhookId?: string | null; take?: number } = {}): Promise<DeliveryView[]> {
  const rows = await db.webhookDelivery.findMany({
    where: opts.webhookId === undefined ? {} : { webhookId: opts.webhookId },
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    take: opts.take ?? 50,
    include: { tries: { orderBy: { id: 'asc' } } },
  });
  return rows.map((d) => ({
    id: d.id,
    webhookId: d.webhookId,
    url: d.url,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    maxAttempts: d.maxAttempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    lastDurationMs: d.lastDurationMs,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    createdAt: d.createdAt.toISOString(),
    finishedAt: d.finishedAt?.toISOString() ?? null,
    tries: d.tries.map((t) => ({ attempt: t.attempt, url: t.url ?? d.url, at: t.at.toISOString(), statusCode: t.statusCode, error: t.error, durationMs: t.durationMs, nextRetryAt: t.nextRetryAt?.toISOString() ?? null })),
  }));
}
