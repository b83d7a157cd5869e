// Everything the UI does, by API (issue 22): tokens, faces and photos with the gallery's filters and
// cursor pagination, runs and their report, promote and roll back, the dashboard, users and webhooks.
// Every answer goes through `callApi` (e2e/api-schema.ts), which validates its JSON body against the
// response schema GET /api/openapi.json gives for that operation and status: an answer the
// description does not describe fails here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type APIRequestContext, expect, request as pwRequest, test } from '@playwright/test';
import { createDb } from '../lib/db';
import { CLASSES } from '../lib/classes';
import { computeMetrics } from '../lib/training/metrics';
import { testSlices } from '../lib/training/evaluation';
import { ADMIN, cliToken, E2E_DATA_DIR, seedFaces, uniqueEmail } from './helpers';
import { BASE_URL, callApi } from './api-schema';
import { createPromotedFixtureModel } from './fixture-model';

const DB_URL = 'file:' + path.join(E2E_DATA_DIR, 'masklab.db');
const contexts: APIRequestContext[] = [];
let admin: APIRequestContext; // signed in: session cookie
let bearer: APIRequestContext; // the admin's token from the CLI, no cookie

async function newContext(headers: Record<string, string> = {}): Promise<APIRequestContext> {
  const ctx = await pwRequest.newContext({ baseURL: BASE_URL, extraHTTPHeaders: headers });
  contexts.push(ctx);
  return ctx;
}

type PageBody<T> = { items: T[]; nextCursor: string | null };

/** Every item of a cursor-paginated list, each page's answer validated. */
async function walk<T>(ctx: APIRequestContext, url: string, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const { status, body } = await callApi(ctx, 'GET', `${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(status, url).toBe(200);
    const page = body as PageBody<T>;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages };
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  admin = await newContext();
  const { csrfToken } = await (await admin.get('/api/auth/csrf')).json();
  const res = await admin.post('/api/auth/callback/credentials', { form: { csrfToken, email: ADMIN.email, password: ADMIN.password, json: 'true' }, headers: { Origin: BASE_URL }, maxRedirects: 0 });
  expect(res.status()).toBeLessThan(400);
  const token = cliToken(ADMIN.email, 'e2e api spec');
  expect(token).toMatch(/^mlk_/);
  bearer = await newContext({ Authorization: `Bearer ${token}` });
});
test.afterAll(async () => {
  for (const c of contexts) await c.dispose();
});

test('tokens: create, list, use and revoke one for the signed-in user', async () => {
  const me = await callApi(bearer, 'GET', '/api/me');
  expect(me.body).toMatchObject({ user: { email: ADMIN.email, role: 'admin' } });

  const created = await callApi(admin, 'POST', '/api/tokens', { data: { name: 'script', expiry: '30' } });
  expect(created.status).toBe(201);
  const { id, token } = created.body as { id: string; token: string; expiresAt: string };
  expect(token).toMatch(/^mlk_/);
  const listed = await callApi(admin, 'GET', '/api/tokens');
  const mine = (listed.body as { tokens: { id: string; name: string; revoked: boolean }[] }).tokens.find((t) => t.id === id);
  expect(mine).toMatchObject({ name: 'script', revoked: false });
  expect(JSON.stringify(listed.body)).not.toContain(token); // the token itself is shown once only

  const scripted = await newContext({ Authorization: `Bearer ${token}` });
  expect((await callApi(scripted, 'GET', '/api/me')).status).toBe(200);
  expect((await callApi(admin, 'POST', '/api/tokens', { data: { name: '  ' } })).status).toBe(400);
  // a token cannot make tokens (a leaked short-lived one would outlive itself)
  expect((await callApi(scripted, 'POST', '/api/tokens', { data: { name: 'more', expiry: 'never' } })).status).toBe(403);
  expect((await callApi(admin, 'DELETE', `/api/tokens/${id}`)).status).toBe(200);
  expect((await callApi(scripted, 'GET', '/api/me')).status).toBe(401);
  expect((await callApi(admin, 'DELETE', `/api/tokens/${id}`)).status).toBe(404);
});

test('faces and photos: the gallery filter, cursor pages, a face, its history, a photo', async () => {
  const ids = await seedFaces(5);
  const labelled = await callApi(bearer, 'POST', '/api/labels', { data: { faceId: ids[0], label: 'mask_old' } });
  expect(labelled.body).toMatchObject({ changed: [{ faceId: ids[0], oldLabel: null, newLabel: 'mask_old' }] });

  // every unlabelled face once, newest first, 2 a page; the labelled one is not among them
  const unlabelled = await walk<{ id: string; label: string | null }>(bearer, '/api/faces?label=unlabelled', 2);
  const seen = unlabelled.items.map((f) => f.id);
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen).toEqual(expect.arrayContaining(ids.slice(1)));
  expect(seen).not.toContain(ids[0]);
  expect(unlabelled.items.every((f) => f.label === null)).toBe(true);
  expect(unlabelled.pages).toBe(Math.ceil(seen.length / 2)); // full pages of 2; the last one says there is no next
  const maskOld = await walk<{ id: string; label: string }>(bearer, `/api/faces?label=mask_old&ids=${ids.join(',')}`, 10);
  expect(maskOld.items.map((f) => f.id)).toEqual([ids[0]]);

  // bad input is a 400 with the error body, not "any"
  expect((await callApi(bearer, 'GET', '/api/faces?label=hat')).status).toBe(400);
  expect((await callApi(bearer, 'GET', '/api/faces?cursor=not-ours')).status).toBe(400);
  expect((await callApi(bearer, 'GET', '/api/faces?limit=0')).status).toBe(400);

  const face = await callApi(bearer, 'GET', `/api/faces/${ids[0]}`);
  expect(face.body).toMatchObject({ id: ids[0], label: 'mask_old' });
  const history = await callApi(bearer, 'GET', `/api/faces/${ids[0]}/history`);
  expect(history.body).toMatchObject({ blind: false, items: [{ kind: 'label', oldLabel: null, newLabel: 'mask_old', user: { email: ADMIN.email } }] });
  expect((await callApi(bearer, 'GET', '/api/faces/no-such-face/history')).status).toBe(404);

  const photoId = (face.body as { photoId: string }).photoId;
  const photos = await walk<{ id: string; faces: number }>(bearer, `/api/photos?ids=${ids.join(',')}`, 2);
  expect(photos.items.map((p) => p.id)).toContain(photoId);
  const photo = await callApi(bearer, 'GET', `/api/photos/${photoId}`);
  expect((photo.body as { faces: { id: string; label: string | null }[] }).faces).toContainEqual(expect.objectContaining({ id: ids[0], label: 'mask_old' }));
  expect((await callApi(bearer, 'GET', '/api/photos/no-such-photo')).status).toBe(404);

  const undo = await callApi(bearer, 'POST', '/api/labels/undo');
  expect(undo.body).toMatchObject({ undone: { faceId: ids[0], newLabel: null }, face: { id: ids[0], label: null } });
});

test('runs: list and report; an admin promotes one and rolls back', async () => {
  test.setTimeout(300_000);
  const models = path.join(E2E_DATA_DIR, 'models');
  const first = await createPromotedFixtureModel(DB_URL, models, { seed: 11 });
  // A report as the train job writes it: metrics from computeMetrics, slices from testSlices, the curves.
  const db = createDb(DB_URL);
  try {
    const y = [0, 1, 2, 3, 0, 1, 2, 3];
    const probs = y.map((t, i) => CLASSES.map((_, k) => (k === (i === 3 ? (t + 1) % 4 : t) ? 0.7 : 0.1)));
    const ids = y.map((_, i) => `report-face-${i}`);
    const m = computeMetrics(y, probs, ids);
    const slices = testSlices(m.predictions!, new Map(ids.map((id, i) => [id, { source: i % 2 ? 'upload' : 'import' }])));
    const metrics = { ...m, comparison: { promotedRunId: null, promotedMacroF1: null, promoted: true, reason: 'first model' }, slices };
    const history = [{ epoch: 1, loss: 1.2, accuracy: 0.5, valLoss: 1.1, valAccuracy: 0.55 }];
    await db.run.update({ where: { id: first }, data: { metrics: JSON.stringify(metrics), history: JSON.stringify(history) } });
  } finally {
    await db.$disconnect();
  }
  const second = await createPromotedFixtureModel(DB_URL, models, { seed: 12 });

  const runs = await walk<{ id: string; promoted: boolean }>(bearer, '/api/runs', 1);
  const order = runs.items.map((r) => r.id);
  expect(order.indexOf(second)).toBeLessThan(order.indexOf(first)); // newest first
  expect(runs.items.find((r) => r.id === second)?.promoted).toBe(true);

  const report = await callApi(bearer, 'GET', `/api/runs/${first}`);
  const r = report.body as { run: { id: string; modelDir?: string }; history: unknown[]; metrics: { confusion: number[][]; slices: { dims: unknown[] } } };
  expect(r.run.id).toBe(first);
  expect(r.run.modelDir).toBeUndefined(); // server paths stay on the server
  expect(r.metrics.confusion).toHaveLength(4);
  expect(r.metrics.slices.dims.length).toBeGreaterThan(0);
  expect(r.history).toHaveLength(1);
  expect((await callApi(bearer, 'GET', '/api/runs/no-such-run')).status).toBe(404);

  // roll back: the earlier promoted run comes back; promote: the newer one again
  expect((await callApi(bearer, 'POST', '/api/models/rollback', { data: {} })).body).toEqual({ runId: first });
  expect((await callApi(bearer, 'GET', '/api/models/promoted')).body).toMatchObject({ model: { runId: first } });
  expect((await callApi(bearer, 'POST', `/api/runs/${second}/promote`)).body).toEqual({ runId: second });
  expect((await callApi(bearer, 'GET', '/api/models/promoted')).body).toMatchObject({ model: { runId: second } });
  expect((await callApi(bearer, 'POST', '/api/runs/no-such-run/promote')).status).toBe(404);
});

test("the dashboard's numbers", async () => {
  const d = await callApi(bearer, 'GET', '/api/dashboard');
  const body = d.body as { counts: { total: number; unlabelled: number }; targets: Record<string, number> };
  expect(body.counts.total).toBeGreaterThanOrEqual(5);
  expect(Object.keys(body.targets).sort()).toEqual([...CLASSES].sort());
});

test('users (admin): create, change role, disable, reset the password; nobody demotes themself', async () => {
  const email = uniqueEmail('api-user');
  const created = await callApi(bearer, 'POST', '/api/admin/users', { data: { email, role: 'viewer' } });
  expect(created.status).toBe(201);
  const { user, password } = created.body as { user: { id: string }; password: string };
  expect(password.length).toBeGreaterThan(8);
  expect((await callApi(bearer, 'PATCH', `/api/admin/users/${user.id}`, { data: { role: 'labeler' } })).body).toMatchObject({ id: user.id, role: 'labeler', disabled: false });
  expect((await callApi(bearer, 'PATCH', `/api/admin/users/${user.id}`, { data: {} })).status).toBe(400);
  const reset = await callApi(bearer, 'POST', `/api/admin/users/${user.id}/password`);
  expect((reset.body as { password: string }).password).not.toBe(password);
  expect((await callApi(bearer, 'PATCH', `/api/admin/users/${user.id}`, { data: { disabled: true } })).body).toMatchObject({ disabled: true });
  const list = await callApi(bearer, 'GET', '/api/admin/users');
  expect((list.body as { users: { id: string; disabled: boolean }[] }).users).toContainEqual(expect.objectContaining({ id: user.id, disabled: true }));

  const me = (await callApi(bearer, 'GET', '/api/me')).body as { user: { id: string } };
  const demote = await callApi(bearer, 'PATCH', `/api/admin/users/${me.user.id}`, { data: { role: 'viewer' } });
  expect(demote).toMatchObject({ status: 400, body: { error: 'You cannot take away your own admin role' } });
  expect((await callApi(bearer, 'POST', '/api/admin/users/no-such-user/password')).status).toBe(404);
});

test('webhooks (admin): add, list, change, rotate the secret, test, redeliver, delete', async () => {
  const got: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api-hook`;
    const created = await callApi(bearer, 'POST', '/api/admin/webhooks', { data: { url, events: ['model.promoted'] } });
    expect(created.status).toBe(201);
    const { id, secret } = created.body as { id: string; secret: string };
    expect((await callApi(bearer, 'POST', '/api/admin/webhooks', { data: { url: 'ftp://example.com/x', events: ['run.failed'] } })).status).toBe(400);
    expect((await callApi(bearer, 'PATCH', `/api/admin/webhooks/${id}`, { data: { events: ['model.promoted', 'run.failed'] } })).status).toBe(200);
    const rotated = await callApi(bearer, 'POST', `/api/admin/webhooks/${id}/secret`);
    expect((rotated.body as { secret: string }).secret).not.toBe(secret);

    const sent = await callApi(bearer, 'POST', `/api/admin/webhooks/${id}/test`);
    const { deliveryId } = sent.body as { deliveryId: string };
    type Listing = { webhooks: { id: string | null; events: string[] | 'all' }[]; deliveries: { id: string; status: string }[] };
    await expect
      .poll(async () => ((await callApi(bearer, 'GET', '/api/admin/webhooks')).body as Listing).deliveries.find((d) => d.id === deliveryId)?.status, { timeout: 60_000 })
      .toBe('delivered');
    const listing = (await callApi(bearer, 'GET', '/api/admin/webhooks')).body as Listing;
    expect(listing.webhooks.find((h) => h.id === id)?.events).toEqual(['model.promoted', 'run.failed']);
    expect(JSON.stringify(listing)).not.toContain((rotated.body as { secret: string }).secret);

    const again = await callApi(bearer, 'POST', `/api/admin/webhooks/deliveries/${deliveryId}/redeliver`);
    expect((again.body as { deliveryId: string }).deliveryId).not.toBe(deliveryId);
    expect((await callApi(bearer, 'PATCH', `/api/admin/webhooks/${id}`, { data: { enabled: false } })).status).toBe(200);
    expect((await callApi(bearer, 'DELETE', `/api/admin/webhooks/${id}`)).status).toBe(200);
    expect((await callApi(bearer, 'DELETE', `/api/admin/webhooks/${id}`)).status).toBe(404);
    expect(got.length).toBeGreaterThanOrEqual(1);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('reviews and label errors: the lists answer as described', async () => {
  expect((await callApi(bearer, 'GET', '/api/reviews')).status).toBe(200);
  expect((await callApi(bearer, 'GET', '/api/reviews/next')).status).toBe(200);
  expect((await callApi(bearer, 'GET', '/api/label-errors?limit=5')).status).toBe(200);
  expect((await callApi(bearer, 'POST', '/api/reviews', { data: { share: 2 } })).status).toBe(400);
});
