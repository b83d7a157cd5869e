// Webhooks end to end below the web app: events queued by the real code paths (the train job, the
// promotion, the zip import job), sent by the worker's `deliverDue` to a local HTTP receiver with a
// signature the receiver can verify, retried with back-off (the test moves the clock), logged per
// attempt; a disabled hook gets nothing; the MASKLAB_WEBHOOK_URL hook works without a row.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-hooks-'));
process.env.MASKLAB_DATA_DIR = dataDir;
process.env.MASKLAB_MODELS_DIR = path.join(dataDir, 'models');
process.env.NEXTAUTH_URL = 'https://masklab.example.com/'; // the app's public URL: events link to its pages
process.env.MASKLAB_WEBHOOK_ALLOW_HOSTS = '127.0.0.1'; // the receivers below run on this host (a loopback address is refused otherwise)

import { freshDb, type TestDb } from '../helpers/db';
import { makeFaces, makeUser } from '../helpers/faces';
import { seedVectors } from '../helpers/vectors';
import { makeZip } from '../helpers/zip';
import { CLASSES, type ClassName } from '@/lib/classes';
import { parseConfig } from '@/lib/config';
import { analyseFaces } from '@/lib/dataset/ingest';
import { IMPORT_JOB, importJobHandler } from '@/lib/dataset/import-job';
import { queueZipImport } from '@/lib/dataset/imports';
import { Worker } from '@/lib/queue/worker';
import { LocalStore } from '@/lib/storage';
import { queueRetrain, runTrainJob, TRAIN_JOB } from '@/lib/training/job';
import { deliverDue, retryDelayMs } from '@/lib/webhooks/deliver';
import { emitEvent, MAX_ATTEMPTS, WEBHOOK_EVENTS } from '@/lib/webhooks/events';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, redeliver, revealWebhookSecret, rotateWebhookSecret, sendTestEvent, setWebhookEnabled, setWebhookEvents } from '@/lib/webhooks/hooks';
import { verify } from '@/lib/webhooks/sign';

type Got = { headers: http.IncomingHttpHeaders; body: string; json: Record<string, unknown> };
/** What the receiver does with the next request: answer with a status, drop the connection, or never answer. */
type Plan = number | 'drop' | 'hang';

class Receiver {
  got: Got[] = [];
  plan: Plan[] = [];
  url = '';
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const step = this.plan.shift() ?? 200;
      this.got.push({ headers: req.headers, body, json: JSON.parse(body) });
      if (step === 'drop') return req.socket.destroy();
      if (step === 'hang') return;
      res.writeHead(step, { 'Content-Type': 'text/plain' }).end(step >= 300 ? 'receiver says no' : 'ok');
    });
  });
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

let t: TestDb;
let rx: Receiver;
let rx2: Receiver;
const cfg = parseConfig({ MASKLAB_DATA_DIR: dataDir, MASKLAB_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' });
const deliver = (opts: { now?: Date; timeoutMs?: number; cfg?: typeof cfg } = {}) => deliverDue(t.db, { cfg, ...opts });

beforeAll(async () => {
  t = await freshDb();
  rx = await new Receiver().start();
  rx2 = await new Receiver().start();
});
afterAll(async () => {
  await rx.stop();
  await rx2.stop();
  await t.cleanup();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await t.db.webhook.deleteMany();
  await t.db.webhookDelivery.deleteMany();
  rx.got = [];
  rx.plan = [];
  rx2.got = [];
  rx2.plan = [];
});

describe('sending', () => {
  it('a test event arrives signed: the receiver verifies it with the secret it was shown', async () => {
    const { id, secret } = await createWebhook(t.db, { url: rx.url, events: ['run.finished'] }, null);
    // lists never carry the secret; only an admin's reveal does
    expect(JSON.stringify(await listWebhooks(t.db, cfg))).not.toContain(secret);
    expect(await revealWebhookSecret(t.db, id)).toBe(secret);
    const { deliveryId } = await sendTestEvent(t.db, id, { email: 'root@example.com' }, cfg);
    expect(rx.got).toHaveLength(0); // queued, not sent in the caller's path
    expect(await deliver()).toMatchObject({ sent: 1, delivered: 1 });
    expect(rx.got).toHaveLength(1);
    const r = rx.got[0];
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-masklab-event']).toBe('webhook.test');
    expect(r.headers['x-masklab-delivery']).toBe(deliveryId);
    expect(r.json).toMatchObject({ event: 'webhook.test', id: deliveryId, runId: null, sentBy: 'root@example.com' });
    const header = { signature: r.headers['x-masklab-signature'] as string, timestamp: r.headers['x-masklab-timestamp'] as string };
    expect(header.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify(secret, header, r.body)).toBe(true);
    expect(verify(secret, header, r.body.replace('webhook.test', 'run.finished'))).toBe(false);
    expect(verify('another-secret', header, r.body)).toBe(false);
    // after a rotation the old secret no longer verifies
    const rotated = await rotateWebhookSecret(t.db, id);
    await sendTestEvent(t.db, id, null, cfg);
    await deliver();
    const r2 = rx.got[1];
    const h2 = { signature: r2.headers['x-masklab-signature'] as string, timestamp: r2.headers['x-masklab-timestamp'] as string };
    expect(verify(rotated, h2, r2.body)).toBe(true);
    expect(verify(secret, h2, r2.body)).toBe(false);
    const [d] = (await listDeliveries(t.db, { webhookId: id })).filter((x) => x.id === deliveryId);
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null });
    expect(d.tries).toHaveLength(1);
  });

  it('a receiver that fails twice gets the event on the third attempt, 2 and 4 minutes later; each attempt is logged', async () => {
    await createWebhook(t.db, { url: rx.url, events: ['model.promoted'] }, null);
    const t0 = new Date();
    await emitEvent(t.db, 'model.promoted', { runId: 'run-x', modelId: 'run-x' }, { cfg, at: t0 });
    rx.plan = [500, 'drop', 200];
    expect(await deliver({ now: t0 })).toMatchObject({ sent: 1, retrying: 1 });
    // not due again before its back-off has passed
    expect(await deliver({ now: new Date(t0.getTime() + retryDelayMs(1) - 1000) })).toMatchObject({ sent: 0 });
    const t1 = new Date(t0.getTime() + retryDelayMs(1));
    expect(await deliver({ now: t1 })).toMatchObject({ sent: 1, retrying: 1 });
    const t2 = new Date(t1.getTime() + retryDelayMs(2));
    expect(await deliver({ now: t2 })).toMatchObject({ sent: 1, delivered: 1 });
    expect(rx.got.map((g) => g.json.event)).toEqual(['model.promoted', 'model.promoted', 'model.promoted']);
    expect(new Set(rx.got.map((g) => g.json.id)).size).toBe(1); // one delivery, attempted three times

    const [d] = await listDeliveries(t.db);
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, nextAttemptAt: null });
    expect(d.tries.map((x) => [x.attempt, x.statusCode])).toEqual([
      [1, 500],
      [2, null],
      [3, 200],
    ]);
    expect(d.tries[0].error).toMatch(/HTTP 500.*receiver says no/);
    expect(d.tries[1].error).toBeTruthy(); // the dropped connection
    expect(d.tries[0].nextRetryAt).toBe(t1.toISOString());
    expect(d.tries[1].nextRetryAt).toBe(t2.toISOString());
    expect(d.tries[2].nextRetryAt).toBeNull();
    for (const x of d.tries) expect(x.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('gives up after six attempts over about an hour; a timeout counts as a failure; redeliver sends it again', async () => {
    await createWebhook(t.db, { url: rx.url, events: ['run.failed'] }, null);
    let now = new Date();
    await emitEvent(t.db, 'run.failed', { runId: 'r1', error: 'boom' }, { cfg, at: now });
    rx.plan = ['hang', 503, 503, 503, 503, 503];
    const first = now.getTime();
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      const r = await deliver({ now, timeoutMs: 300 });
      expect(r.sent).toBe(1);
      if (i < MAX_ATTEMPTS) now = new Date(now.getTime() + retryDelayMs(i));
    }
    const minutes = (now.getTime() - first) / 60_000;
    expect(minutes).toBeGreaterThan(50);
    expect(minutes).toBeLessThan(70);
    const [d] = await listDeliveries(t.db);
    expect(d).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastStatusCode: 503 });
    expect(d.tries[0]).toMatchObject({ statusCode: null, error: 'no answer within 300 ms' });
    expect(await deliver({ now: new Date(now.getTime() + 3600_000) })).toMatchObject({ sent: 0 });

    const again = await redeliver(t.db, d.id, cfg);
    await deliver();
    const last = rx.got.at(-1)!;
    expect(last.json).toMatchObject({ event: 'run.failed', id: again.deliveryId, eventId: rx.got[0].json.eventId, redeliveryOf: d.id, runId: 'r1', error: 'boom' });
  });

  it('a disabled hook gets nothing; a hook gets only the events it chose', async () => {
    const on = await createWebhook(t.db, { url: rx.url, events: ['run.finished', 'run.failed'] }, null);
    const off = await createWebhook(t.db, { url: rx2.url, events: [...WEBHOOK_EVENTS] }, null);
    await setWebhookEnabled(t.db, off.id, false);
    expect(await emitEvent(t.db, 'run.finished', { runId: 'r2' }, { cfg })).toBe(1);
    expect(await emitEvent(t.db, 'import.finished', { runId: null }, { cfg })).toBe(0); // `on` did not choose it
    await expect(sendTestEvent(t.db, off.id, null, cfg)).rejects.toThrow(/disabled/);
    // disabled after an event was queued: it is not sent either
    await setWebhookEnabled(t.db, off.id, true);
    await emitEvent(t.db, 'run.failed', { runId: 'r3' }, { cfg });
    await setWebhookEnabled(t.db, off.id, false);
    const r = await deliver();
    expect(r).toMatchObject({ delivered: 2, cancelled: 1 });
    expect(rx.got.map((g) => g.json.event).sort()).toEqual(['run.failed', 'run.finished']);
    expect(rx2.got).toEqual([]);
    const cancelled = (await listDeliveries(t.db, { webhookId: off.id }))[0];
    expect(cancelled).toMatchObject({ status: 'cancelled', lastError: 'the webhook was disabled before it was sent', attempts: 0 });
    // choosing another event later, and deleting a hook with its log
    await setWebhookEvents(t.db, on.id, ['import.finished']);
    expect(await emitEvent(t.db, 'import.finished', { runId: null }, { cfg })).toBe(1);
    expect(await emitEvent(t.db, 'run.finished', { runId: 'r6' }, { cfg })).toBe(0);
    await expect(setWebhookEvents(t.db, on.id, [])).rejects.toThrow(/at least one event/);
    await deleteWebhook(t.db, off.id);
    expect(await t.db.webhookDelivery.count({ where: { webhookId: off.id } })).toBe(0);
    expect((await listWebhooks(t.db, cfg)).map((h) => h.id)).toEqual([on.id]);
  });

  it('the MASKLAB_WEBHOOK_URL hook gets every event, signed with MASKLAB_WEBHOOK_SECRET', async () => {
    const secret = 'env-secret-0123456789';
    const envCfg = parseConfig({ MASKLAB_DATA_DIR: dataDir, MASKLAB_WEBHOOK_URL: rx2.url, MASKLAB_WEBHOOK_SECRET: secret, NEXTAUTH_URL: 'https://masklab.example.com', MASKLAB_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' });
    expect((await listWebhooks(t.db, envCfg)).at(-1)).toMatchObject({ id: null, url: rx2.url, events: 'all', signed: true });
    for (const e of WEBHOOK_EVENTS) expect(await emitEvent(t.db, e, { runId: 'r4', url: 'https://masklab.example.com/training/r4' }, { cfg: envCfg })).toBe(1);
    expect(await deliver({ cfg: envCfg })).toMatchObject({ delivered: 4 });
    expect(rx2.got.map((g) => g.json.event).sort()).toEqual([...WEBHOOK_EVENTS].sort());
    for (const g of rx2.got) {
      expect(verify(secret, { signature: g.headers['x-masklab-signature'] as string, timestamp: g.headers['x-masklab-timestamp'] as string }, g.body)).toBe(true);
    }
    // the variable removed before a pending delivery was sent: it is cancelled, not sent elsewhere
    await emitEvent(t.db, 'run.failed', { runId: 'r5' }, { cfg: envCfg });
    expect(await deliver({ cfg })).toMatchObject({ sent: 0, cancelled: 1 });
  });
});

describe('events from the real code paths', () => {
  it('the train job queues run.failed, then run.finished and model.promoted with metrics and a link', async () => {
    const store = path.join(dataDir, 'store');
    fs.mkdirSync(store, { recursive: true });
    const { secret } = await createWebhook(t.db, { url: rx.url, events: [...WEBHOOK_EVENTS] }, null);
    const admin = await makeUser(t.db, 'admin');
    const worker = new Worker(t.db, { handlers: { [TRAIN_JOB]: runTrainJob }, log: () => {} });

    // nothing labelled yet: the run fails
    const failed = await queueRetrain(t.db, admin.id, { config: { maxEpochs: 5 } });
    await worker.runOnce();
    const failedRun = await t.db.run.findUniqueOrThrow({ where: { jobId: failed.job.id } });
    expect(failedRun.status).toBe('failed');

    // 12 one-face photos per class with cached vectors (no backbone run)
    const truth: ClassName[] = CLASSES.flatMap((c) => Array<ClassName>(12).fill(c));
    const ids: string[] = [];
    for (const c of truth) {
      const [id] = await makeFaces(t.db, admin.id, 1);
      await t.db.face.update({ where: { id }, data: { label: c, labelledById: admin.id } });
      ids.push(id);
    }
    await seedVectors(t.db, ids, truth);
    const ok = await queueRetrain(t.db, admin.id, { config: { maxEpochs: 10 } });
    await worker.runOnce();
    const run = await t.db.run.findUniqueOrThrow({ where: { jobId: ok.job.id } });
    expect(run.status).toBe('succeeded');
    expect(run.promoted).toBe(true);

    const rows = await t.db.webhookDelivery.findMany({ orderBy: { createdAt: 'asc' } });
    const bodies = rows.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies.map((b) => b.event)).toEqual(['run.failed', 'run.finished', 'model.promoted']);
    expect(bodies[0]).toMatchObject({ runId: failedRun.id, jobId: failed.job.id, status: 'failed', url: `https://masklab.example.com/training/${failedRun.id}` });
    expect(bodies[0].error).toMatch(/not enough labelled faces/);
    expect(bodies[1]).toMatchObject({ runId: run.id, jobId: ok.job.id, status: 'succeeded', promoted: true, previousRunId: null, url: `https://masklab.example.com/training/${run.id}` });
    for (const [b, r] of bodies.map((b, i) => [b, rows[i]] as const)) {
      expect(b).toMatchObject({ id: r.id, eventId: r.eventId, event: r.event });
      expect(Date.parse(b.timestamp as string)).toBeGreaterThan(Date.now() - 120_000);
    }
    const metrics = JSON.parse(run.metrics!) as { accuracy: number; macro: { f1: number } };
    expect(bodies[1].metrics).toMatchObject({ accuracy: metrics.accuracy, macroF1: metrics.macro.f1 });
    expect(bodies[2]).toMatchObject({ runId: run.id, modelId: run.id, previousRunId: null, metrics: { macroF1: metrics.macro.f1 } });

    await deliver();
    expect(rx.got.map((g) => g.json.event)).toEqual(['run.failed', 'run.finished', 'model.promoted']);
    for (const g of rx.got) {
      expect(verify(secret, { signature: g.headers['x-masklab-signature'] as string, timestamp: g.headers['x-masklab-timestamp'] as string }, g.body)).toBe(true);
    }
  }, 120_000);

  it('the zip import job queues import.finished with its counts', async () => {
    await createWebhook(t.db, { url: rx.url, events: ['import.finished'] }, null);
    const u = await makeUser(t.db, 'labeler');
    const FIX = path.join(__dirname, '..', 'fixtures', 'facemask', 'nomask_old');
    const photo = fs.readFileSync(path.join(FIX, fs.readdirSync(FIX)[0]));
    const file = path.join(dataDir, 'in.zip');
    fs.writeFileSync(file, makeZip([{ name: 'a.jpg', data: photo }, { name: 'b.jpg', data: photo }, { name: 'notes.txt', data: Buffer.from('not a photo') }]));
    const { jobId } = await queueZipImport(t.db, { file, name: 'party.zip', label: null, uploaderId: u.id });
    const store = new LocalStore(path.join(dataDir, 'store'));
    const ingest = { store, limits: { maxUploadBytes: 25 << 20, maxPixels: 50_000_000 }, duplicateFaceDistance: 10, analyse: analyseFaces };
    const zipLimits = { maxEntryBytes: 25 << 20, maxTotalBytes: 100 << 20, maxRatio: 100, maxEntries: 100 };
    await new Worker(t.db, { handlers: { [IMPORT_JOB]: importJobHandler({ ingest: () => ingest, zipLimits: () => zipLimits }) }, log: () => {} }).runOnce();
    expect((await t.db.job.findUniqueOrThrow({ where: { id: jobId } })).status).toBe('succeeded');
    await deliver();
    expect(rx.got).toHaveLength(1);
    expect(rx.got[0].json).toMatchObject({
      event: 'import.finished',
      runId: null,
      importId: jobId,
      name: 'party.zip',
      uploaderId: u.id,
      counts: { entries: 3, added: 1, duplicate: 1, rejected: 1 },
      url: 'https://masklab.example.com/collect',
    });
  }, 120_000);
});
