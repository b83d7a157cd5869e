// Webhooks end to end below the web app: events queued by the real code paths (the train job, the
// promotion, the zip import job), sent by the worker's `deliverDue` to a local HTTP receiver with a
// signature the receiver can verify, retried with back-off (the test moves the clock), logged per
// attempt; a disabled hook gets nothing; the MASKLAB_WEBHOOK_URL hook works without a row.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

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
import { IMPORT_JOB, importJobHandler } from '@/lib/import/job';
import { queueZipImport } from '@/lib/import/progress';
import { Worker } from '@/lib/queue/worker';
import { LocalStore } from '@/lib/storage';
import { queueRetrain, runTrainJob, TRAIN_JOB } from '@/lib/training/job';
import { deliverDue, retryDelayMs, startWebhookDispatcher } from '@/lib/webhooks/deliver';
import type { Resolve } from '@/lib/webhooks/destination';
import { emitEvent, MAX_ATTEMPTS, WEBHOOK_EVENTS } from '@/lib/webhooks/events';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, redeliver, revealWebhookSecret, rotateWebhookSecret, sendTestEvent, setWebhookEnabled, setWebhookEvents } from '@/lib/webhooks/hooks';
import { verify } from '@/lib/webhooks/sign';

type Got = { headers: http.IncomingHttpHeaders; body: string; json: Record<string, unknown> };
/**
 * What the receiver does with the next request: answer with a status (and a body or headers), drop the
 * connection, never answer, or hold the request until the test answers it (`held`).
 */
type Plan = number | 'drop' | 'hang' | 'hold' | { status: number; body?: string; headers?: Record<string, string> };

class Receiver {
  got: Got[] = [];
  plan: Plan[] = [];
  held: http.ServerResponse[] = [];
  url = '';
  port = 0;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const step = this.plan.shift() ?? 200;
      this.got.push({ headers: req.headers, body, json: JSON.parse(body) });
      if (step === 'drop') return req.socket.destroy();
      if (step === 'hang') return;
      if (step === 'hold') return void this.held.push(res);
      if (typeof step === 'object') return void res.writeHead(step.status, { 'Content-Type': 'text/plain', ...step.headers }).end(step.body ?? '');
      res.writeHead(step, { 'Content-Type': 'text/plain' }).end(step >= 300 ? 'receiver says no' : 'ok');
    });
  });
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}/hook`;
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
  rx.held = [];
  rx2.held = [];
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

  it('the log keeps the URL each attempt went to: changing MASKLAB_WEBHOOK_URL does not rewrite old deliveries', async () => {
    const env = (to: string) => parseConfig({ MASKLAB_DATA_DIR: dataDir, MASKLAB_WEBHOOK_URL: to, MASKLAB_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' });
    const before = env(rx.url);
    await emitEvent(t.db, 'model.promoted', { runId: 'r6' }, { cfg: before });
    expect(await deliver({ cfg: before })).toMatchObject({ delivered: 1 });
    rx.plan = [500];
    await emitEvent(t.db, 'run.finished', { runId: 'r7' }, { cfg: before });
    const t0 = new Date();
    expect(await deliver({ cfg: before, now: t0 })).toMatchObject({ retrying: 1 });
    // the operator points the variable elsewhere: the retry goes there, the log says where each attempt went
    const after = env(rx2.url);
    expect(await deliver({ cfg: after, now: new Date(t0.getTime() + retryDelayMs(1) + 1000) })).toMatchObject({ delivered: 1 });
    expect([rx.got.length, rx2.got.length]).toEqual([2, 1]);
    const log = Object.fromEntries((await listDeliveries(t.db)).map((d) => [d.event, { url: d.url, tries: d.tries.map((x) => [x.attempt, x.url]) }]));
    expect(log).toEqual({
      'model.promoted': { url: rx.url, tries: [[1, rx.url]] },
      'run.finished': { url: rx2.url, tries: [[1, rx.url], [2, rx2.url]] },
    });
    const rows = await t.db.webhookAttempt.findMany({ orderBy: { id: 'asc' }, select: { url: true } });
    expect(rows.map((r) => r.url)).toEqual([rx.url, rx.url, rx2.url]);
  });
});

/** DNS as the tests want it: each name's addresses, changed by a test to simulate rebinding. */
const dnsTable: Record<string, string[]> = {};
const fakeResolve: Resolve = async (host) => {
  const list = dnsTable[host];
  if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('destinations', () => {
  // no allow-list: what an installation gets by default
  const strict = parseConfig({ MASKLAB_DATA_DIR: dataDir });
  const create = (url: string, c = strict) => createWebhook(t.db, { url, events: ['run.finished'] }, null, { cfg: c, resolve: fakeResolve });
  beforeEach(() => {
    for (const k of Object.keys(dnsTable)) delete dnsTable[k];
    dnsTable['metadata.google.internal'] = ['169.254.169.254'];
    dnsTable['hooks.example.test'] = ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'];
    dnsTable['intranet.example.test'] = ['93.184.216.34', '10.1.2.3']; // one private address is enough to refuse
  });

  it('refuses, when saved, a hook on a loopback, private, link-local, unspecified or metadata address, in any spelling', async () => {
    const refused: [string, RegExp][] = [
      ['http://169.254.169.254/latest/meta-data/', /refused: 169\.254\.169\.254 is a link-local address/],
      ['http://10.0.0.1/hook', /refused: 10\.0\.0\.1 is a private address/],
      ['http://192.168.1.20:8080/hook', /refused: 192\.168\.1\.20 is a private address/],
      ['http://[::1]/hook', /refused: \[::1\] is a loopback address/],
      ['http://[::ffff:127.0.0.1]/hook', /refused: \[::ffff:7f00:1\] is a loopback address/],
      ['http://[fd12:3456::1]/hook', /refused: \[fd12:3456::1\] is a unique-local address/],
      ['http://0.0.0.0:9000/hook', /refused: 0\.0\.0\.0 is an unspecified address/],
      ['http://2130706433/hook', /refused: 127\.0\.0\.1 is a loopback address/],
      ['http://0x7f.1/hook', /refused: 127\.0\.0\.1 is a loopback address/],
      ['http://0177.0.0.1/hook', /refused: 127\.0\.0\.1 is a loopback address/],
      [rx.url, /refused: 127\.0\.0\.1 is a loopback address/],
      ['http://localhost:3000/hook', /refused: localhost is this machine/],
      ['http://metadata.google.internal/computeMetadata/v1/', /refused: metadata\.google\.internal resolves to 169\.254\.169\.254, a link-local address/],
      ['https://intranet.example.test/hook', /refused: intranet\.example\.test resolves to 10\.1\.2\.3, a private address/],
      ['https://nowhere.example.test/hook', /nowhere\.example\.test does not resolve \(ENOTFOUND\)/],
      ['file:///etc/passwd', /must be an http:\/\/ or https:\/\/ URL/],
      ['gopher://hooks.example.test/x', /must be an http:\/\/ or https:\/\/ URL/],
      ['https://user:pass@hooks.example.test/hook', /must not contain a user name or password/],
      [`https://hooks.example.test/${'a'.repeat(2100)}`, /must be at most 2000 characters/],
    ];
    for (const [url, why] of refused) await expect(create(url), url).rejects.toThrow(why);
    // each message tells the operator the way out
    await expect(create('http://10.0.0.1/hook')).rejects.toThrow(/MASKLAB_WEBHOOK_ALLOW_HOSTS/);
    expect(await t.db.webhook.count()).toBe(0);
    // a public destination is fine, by name or address
    await create('https://hooks.example.test/masklab');
    await create('http://93.184.216.34:8443/masklab');
    expect(await t.db.webhook.count()).toBe(2);
  });

  it('MASKLAB_WEBHOOK_ALLOW_HOSTS lets a listed host (and port) through, and nothing else', async () => {
    const allow = parseConfig({ MASKLAB_DATA_DIR: dataDir, MASKLAB_WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${rx.port}, receiver.internal` });
    dnsTable['receiver.internal'] = ['10.9.8.7'];
    await create(rx.url, allow);
    await create(`http://2130706433:${rx.port}/other`, allow); // the same address, spelt as a number
    await create('https://receiver.internal/hook', allow); // any port of a host listed without one
    await expect(create(`http://127.0.0.1:${rx.port + 1}/hook`, allow)).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    await expect(create('http://10.0.0.1/hook', allow)).rejects.toThrow(/10\.0\.0\.1 is a private address/);
    // the environment's hook: refused at start-up unless listed
    expect(() => parseConfig({ MASKLAB_WEBHOOK_URL: rx.url })).toThrow(/MASKLAB_WEBHOOK_URL: refused: 127\.0\.0\.1 is a loopback address .*MASKLAB_WEBHOOK_ALLOW_HOSTS/);
    expect(parseConfig({ MASKLAB_WEBHOOK_URL: rx.url, MASKLAB_WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${rx.port}` }).webhookUrl).toBe(rx.url);
  });

  it('a name that passed when saved but now resolves to a loopback address is refused at connect time, not contacted', async () => {
    dnsTable['rebind.example.test'] = ['93.184.216.34'];
    const url = `http://rebind.example.test:${rx.port}/hook`;
    const { id } = await create(url);
    dnsTable['rebind.example.test'] = ['127.0.0.1']; // the name now points at this host, where rx listens on that port
    await sendTestEvent(t.db, id, null, strict);
    expect(await deliverDue(t.db, { cfg: strict, resolve: fakeResolve })).toMatchObject({ sent: 1, failed: 1 });
    expect(rx.got).toHaveLength(0);
    const [d] = await listDeliveries(t.db, { webhookId: id });
    // refused is final: retrying would not change the answer
    expect(d).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null, lastError: 'refused: rebind.example.test resolves to 127.0.0.1, a loopback address' });
    expect(d.tries).toMatchObject([{ attempt: 1, statusCode: null, error: d.lastError, nextRetryAt: null }]);

    // the same name listed by the operator: the request goes to the address the lookup gave
    const allow = parseConfig({ MASKLAB_DATA_DIR: dataDir, MASKLAB_WEBHOOK_ALLOW_HOSTS: 'rebind.example.test' });
    await sendTestEvent(t.db, id, null, allow);
    expect(await deliverDue(t.db, { cfg: allow, resolve: fakeResolve })).toMatchObject({ sent: 1, delivered: 1 });
    expect(rx.got).toHaveLength(1);
    expect(rx.got[0].headers.host).toBe(`rebind.example.test:${rx.port}`);
  });

  it('a hook stored before the checks (or allowed then) is refused when sent, saying why, without contacting it', async () => {
    const h = await t.db.webhook.create({ data: { url: rx.url, events: JSON.stringify(['run.finished']), secret: 'old-secret-0123456789' } });
    const env = parseConfig({ MASKLAB_DATA_DIR: dataDir, MASKLAB_WEBHOOK_URL: 'http://hooks.example.test/x' });
    await emitEvent(t.db, 'run.finished', { runId: 'r1' }, { cfg: strict });
    // the environment's host name now resolves to the metadata address
    dnsTable['hooks.example.test'] = ['169.254.169.254'];
    await emitEvent(t.db, 'run.failed', { runId: 'r2' }, { cfg: env });
    expect(await deliverDue(t.db, { cfg: env, resolve: fakeResolve })).toMatchObject({ sent: 2, failed: 2 });
    expect(rx.got).toHaveLength(0);
    const byHook = new Map((await listDeliveries(t.db)).map((d) => [d.webhookId, d]));
    expect(byHook.get(h.id)).toMatchObject({ status: 'failed', lastError: 'refused: 127.0.0.1 is a loopback address' });
    expect(byHook.get(null)).toMatchObject({ status: 'failed', lastError: 'refused: hooks.example.test resolves to 169.254.169.254, a link-local address' });
  });

  it('a redirect is not followed: it is a failed attempt with its status line', async () => {
    await createWebhook(t.db, { url: rx.url, events: ['run.finished'] }, null, { cfg });
    rx.plan = [{ status: 302, headers: { Location: rx2.url } }];
    await emitEvent(t.db, 'run.finished', { runId: 'r1' }, { cfg });
    expect(await deliver()).toMatchObject({ sent: 1, retrying: 1 });
    expect(rx.got).toHaveLength(1);
    expect(rx2.got).toHaveLength(0);
    const [d] = await listDeliveries(t.db);
    expect(d).toMatchObject({ status: 'pending', lastStatusCode: 302, lastError: 'HTTP 302 Found (redirects are not followed)' });
  });

  it('the log keeps the status line and at most 300 bytes of the answer, as one line of text', async () => {
    await createWebhook(t.db, { url: rx.url, events: ['run.finished'] }, null, { cfg });
    const body = `<h1>Internal\r\n\terror</h1>\u0000 ${'é'.repeat(200)}${'secret '.repeat(1000)}`;
    rx.plan = [{ status: 500, body }];
    await emitEvent(t.db, 'run.finished', { runId: 'r1' }, { cfg });
    await deliver();
    const [d] = await listDeliveries(t.db);
    expect(d.lastError!.startsWith('HTTP 500 Internal Server Error: <h1>Internal error</h1> éé')).toBe(true);
    const snippet = d.lastError!.slice('HTTP 500 Internal Server Error: '.length);
    expect(Buffer.byteLength(snippet)).toBeLessThanOrEqual(300);
    expect(Buffer.byteLength(snippet)).toBeGreaterThan(280);
    expect(snippet).not.toMatch(/[\u0000-\u001f\uFFFD]/); // no control characters, no half character
    expect(snippet).not.toContain('secret');
    expect(d.tries[0].error).toBe(d.lastError);
  });
});

describe('hooks do not wait for each other', () => {
  it('hook B is delivered while hook A\'s receiver is still holding its request', async () => {
    const a = await createWebhook(t.db, { url: rx.url, events: ['run.finished'] }, null, { cfg });
    const b = await createWebhook(t.db, { url: rx2.url, events: ['run.failed'] }, null, { cfg });
    rx.plan = ['hold'];
    const dispatcher = startWebhookDispatcher(t.db, { workerId: 'w1', pollMs: 20, timeoutMs: 60_000, cfg, log: () => {} });
    try {
      await emitEvent(t.db, 'run.finished', { runId: 'slow' }, { cfg });
      await vi.waitFor(() => expect(rx.held).toHaveLength(1), { timeout: 8000, interval: 20 });
      await emitEvent(t.db, 'run.failed', { runId: 'fast' }, { cfg });
      await vi.waitFor(async () => expect((await listDeliveries(t.db, { webhookId: b.id }))[0]?.status).toBe('delivered'), { timeout: 8000, interval: 20 });
      expect(rx2.got.map((g) => g.json.runId)).toEqual(['fast']);
      // A's request is still open, unanswered, and its delivery still being sent
      expect(rx.held[0].writableEnded).toBe(false);
      expect(rx.held[0].socket?.destroyed).toBe(false);
      expect((await listDeliveries(t.db, { webhookId: a.id }))[0].status).toBe('sending');
      rx.held[0].writeHead(204).end();
      await vi.waitFor(async () => expect((await listDeliveries(t.db, { webhookId: a.id }))[0].status).toBe('delivered'), { timeout: 8000, interval: 20 });
    } finally {
      for (const r of rx.held) if (!r.writableEnded) r.destroy();
      await dispatcher.stop();
    }
  });

  it('two workers sending at once deliver each event exactly once', async () => {
    await createWebhook(t.db, { url: rx.url, events: ['run.finished'] }, null, { cfg });
    await createWebhook(t.db, { url: rx2.url, events: ['run.finished'] }, null, { cfg });
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await emitEvent(t.db, 'run.finished', { runId: `r${i}` }, { cfg, at: new Date(t0 + i) });
    const [r1, r2] = await Promise.all([deliverDue(t.db, { cfg, workerId: 'w1' }), deliverDue(t.db, { cfg, workerId: 'w2' })]);
    expect(r1.delivered + r2.delivered).toBe(10);
    for (const r of [rx, rx2]) {
      expect(r.got.map((g) => g.json.runId).sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      expect(new Set(r.got.map((g) => g.json.id)).size).toBe(5);
    }
    expect(await t.db.webhookAttempt.count()).toBe(10);
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
    // views: [] — the seeded faces have vectors but no photos to cut training views from
    const ok = await queueRetrain(t.db, admin.id, { config: { maxEpochs: 10, views: [] } });
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
