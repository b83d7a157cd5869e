// The authorisation matrix against the real server: every route handler method and every
// server action in tests/authz/matrix.ts is called as anonymous, viewer, labeler, admin, a
// disabled user (signed in before it was disabled) and with each one's API token, and the
// answer must match the matrix: anonymous 401 (actions: the sign-in redirect), below the role
// 403, at or above it neither 401/403 nor 5xx. Every request is harmless (dummy ids, invalid
// bodies), so nothing changes. Server actions are called the way Next.js's client calls them:
// a POST to their page with the `Next-Action` id from the build's server-reference manifest.
import fs from 'node:fs';
import path from 'node:path';
import { type APIRequestContext, type APIResponse, expect, request as pwRequest, test } from '@playwright/test';
import { hasRole, type Role } from '../lib/auth/roles';
import { ACTIONS, pageUrlOfWorker, probePath, ROUTES, routesOnDisk } from '../tests/authz/matrix';
import { ADMIN, uniqueEmail } from './helpers';

type Identity = {
  name: string;
  /** The role the server should act on; null: no actor (anonymous, or a disabled account). */
  role: Role | null;
  kind: 'anonymous' | 'session' | 'disabled' | 'token';
  ctx: APIRequestContext;
  headers: Record<string, string>;
};

const SIGN_IN_REQUIRED = 'Sign in required';
const NEEDS_ROLE = /^This needs the \w+ role/;

let baseURL: string;
const contexts: APIRequestContext[] = [];
const identities: Identity[] = [];

async function newContext(): Promise<APIRequestContext> {
  const ctx = await pwRequest.newContext({ baseURL });
  contexts.push(ctx);
  return ctx;
}

/** Signs in through next-auth's credentials endpoint, as the login form does; the context keeps the cookie. */
async function signInApi(email: string, password: string): Promise<APIRequestContext> {
  const ctx = await newContext();
  const { csrfToken } = await (await ctx.get('/api/auth/csrf')).json();
  const res = await ctx.post('/api/auth/callback/credentials', {
    form: { csrfToken, email, password, json: 'true' },
    headers: { Origin: baseURL },
    maxRedirects: 0,
  });
  expect(res.status(), `sign-in of ${email}`).toBeLessThan(400);
  expect((await ctx.get('/api/me')).status(), `session of ${email}`).toBe(200);
  return ctx;
}

// ---- Server actions, called as the Next.js client calls them -------------------------------

type ManifestEntry = { workers: Record<string, unknown>; filename?: string; exportedName?: string };
let manifest: Record<string, ManifestEntry> | undefined;

function actionTarget(key: string): { id: string; page: string } {
  manifest ??= JSON.parse(fs.readFileSync(path.join(__dirname, '..', '.next', 'server', 'server-reference-manifest.json'), 'utf8')).node;
  const [file, name] = key.split(' ');
  const found = Object.entries(manifest!).find(([, e]) => e.filename === `app/${file}` && e.exportedName === name);
  if (!found) throw new Error(`${key}: not in .next/server/server-reference-manifest.json (is the build current?)`);
  const worker = Object.keys(found[1].workers).find((w) => w.endsWith('/page'));
  if (!worker) throw new Error(`${key}: no page imports this action`);
  return { id: found[0], page: pageUrlOfWorker(worker) };
}

/** Calls a server action with one argument; returns the HTTP answer and the action's result, if any. */
async function callAction(ctx: APIRequestContext, key: string, input: unknown, headers: Record<string, string> = {}) {
  const { id, page } = actionTarget(key);
  const res = await ctx.post(page, {
    headers: { ...headers, 'Next-Action': id, Accept: 'text/x-component', 'Content-Type': 'text/plain;charset=UTF-8', Origin: baseURL },
    data: JSON.stringify([input]),
    maxRedirects: 0,
  });
  const text = await res.text();
  let result: { ok: boolean; data?: unknown; error?: string } | undefined;
  for (const line of text.split('\n')) {
    const json = line.replace(/^[0-9a-f]+:/, '');
    try {
      const v = JSON.parse(json);
      if (v && typeof v === 'object' && typeof v.ok === 'boolean') result = v;
    } catch {
      // not a JSON row of the flight stream
    }
  }
  return { res, text, result };
}

async function actionOk<T>(ctx: APIRequestContext, key: string, input: unknown): Promise<T> {
  const { res, text, result } = await callAction(ctx, key, input);
  expect(res.status(), `${key}: ${text.slice(0, 300)}`).toBe(200);
  expect(result, `${key}: ${text.slice(0, 300)}`).toMatchObject({ ok: true });
  return (result as { data: T }).data;
}

// ---- Set-up: one account per role, a disabled one, and their tokens -------------------------

test.beforeAll(async ({ baseURL: url }) => {
  test.setTimeout(300_000);
  baseURL = url!;
  const admin = await signInApi(ADMIN.email, ADMIN.password);
  const accounts: Record<string, { email: string; password: string; role: Role; id?: string }> = {
    viewer: { email: uniqueEmail('authz-viewer'), password: 'authz-viewer-pw-1', role: 'viewer' },
    labeler: { email: uniqueEmail('authz-labeler'), password: 'authz-labeler-pw-1', role: 'labeler' },
    // An admin, so that every refusal it gets comes from being disabled, not from its role.
    disabled: { email: uniqueEmail('authz-disabled'), password: 'authz-disabled-pw-1', role: 'admin' },
  };
  for (const a of Object.values(accounts)) {
    const res = await admin.post('/api/admin/users', { data: { email: a.email, password: a.password, role: a.role }, headers: { Origin: baseURL } });
    expect(res.status(), await res.text()).toBe(201);
    a.id = (await res.json()).user.id;
  }
  const sessions: Record<string, APIRequestContext> = { admin };
  for (const [name, a] of Object.entries(accounts)) sessions[name] = await signInApi(a.email, a.password);

  // Each account makes its API token on the Account page's action (a real server action call).
  const tokens: Record<string, string> = {};
  for (const [name, ctx] of Object.entries(sessions)) {
    tokens[name] = (await actionOk<{ token: string }>(ctx, '(app)/account/actions.ts createTokenAction', { name: `authz ${name}` })).token;
    expect(tokens[name]).toMatch(/^mlk_/);
  }

  // The admin disables the account while its session cookie and token are still held.
  await actionOk(admin, '(app)/admin/users/actions.ts setDisabledAction', { id: accounts.disabled.id, disabled: true });

  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
  identities.push(
    { name: 'anonymous', role: null, kind: 'anonymous', ctx: await newContext(), headers: {} },
    { name: 'viewer', role: 'viewer', kind: 'session', ctx: sessions.viewer, headers: {} },
    { name: 'labeler', role: 'labeler', kind: 'session', ctx: sessions.labeler, headers: {} },
    { name: 'admin', role: 'admin', kind: 'session', ctx: sessions.admin, headers: {} },
    { name: 'disabled (old session)', role: null, kind: 'disabled', ctx: sessions.disabled, headers: {} },
  );
  // Tokens go out from a context without cookies, so only the token speaks.
  const bare = await newContext();
  for (const role of ['viewer', 'labeler', 'admin'] as const) {
    identities.push({ name: `token of ${role}`, role, kind: 'token', ctx: bare, headers: bearer(tokens[role]) });
  }
  identities.push({ name: 'token of disabled', role: null, kind: 'token', ctx: bare, headers: bearer(tokens.disabled) });
});

test.afterAll(async () => {
  for (const c of contexts) await c.dispose();
});

type Outcome = 'unauthenticated' | 'forbidden' | 'refused' | 'allowed';

function expected(required: Role | 'public', acceptsToken: boolean, who: Identity): Outcome {
  if (required === 'public') return 'allowed';
  if (who.kind === 'anonymous') return 'unauthenticated';
  if (who.kind === 'disabled') return 'refused';
  if (who.kind === 'token' && (!acceptsToken || who.role === null)) return who.role === null ? 'unauthenticated' : 'refused';
  return hasRole(who.role!, required) ? 'allowed' : 'forbidden';
}

function checkStatus(status: number, want: Outcome): boolean {
  switch (want) {
    case 'unauthenticated':
      return status === 401;
    case 'forbidden':
      return status === 403;
    case 'refused':
      return status === 401 || status === 403;
    case 'allowed':
      return status !== 401 && status !== 403 && status < 500;
  }
}

test('every route handler method answers each identity as the matrix says', async () => {
  test.setTimeout(600_000);
  // The matrix must describe the build being tested (the unit test checks the same on disk).
  expect(routesOnDisk().map((r) => r.key).sort()).toEqual(Object.keys(ROUTES).sort());
  const failures: string[] = [];
  let calls = 0;
  for (const [key, entry] of Object.entries(ROUTES)) {
    const [method, route] = key.split(' ');
    const url = probePath(route, entry.probe);
    const changes = method !== 'GET' && method !== 'HEAD';
    const body = entry.probe && 'body' in entry.probe ? entry.probe.body : changes ? {} : undefined;
    for (const who of identities) {
      const want = expected(entry.role, entry.token, who);
      // Same-origin Origin on state-changing requests, as a browser sends: the matrix tests
      // roles, not the cross-site check.
      const headers: Record<string, string> = { ...who.headers, ...(changes ? { Origin: baseURL } : {}) };
      let res: APIResponse;
      try {
        res = await who.ctx.fetch(url, { method, headers, data: body === null || body === undefined ? undefined : body, maxRedirects: 0 });
      } catch (err) {
        failures.push(`${key} as ${who.name}: ${(err as Error).message}`);
        continue;
      }
      calls++;
      if (!checkStatus(res.status(), want)) {
        failures.push(`${key} as ${who.name}: ${res.status()}, expected ${want} — ${(await res.text()).slice(0, 200)}`);
      }
    }
  }
  console.log(`authz: ${calls} route calls, ${failures.length} unexpected`);
  expect(failures).toEqual([]);
});

test('every server action answers each identity as the matrix says', async () => {
  test.setTimeout(600_000);
  const failures: string[] = [];
  let calls = 0;
  for (const [key, entry] of Object.entries(ACTIONS)) {
    for (const who of identities) {
      const want = expected(entry.role, entry.token, who);
      // `null` fails every action's input schema, so an allowed caller gets a validation error
      // and nothing runs; a refused one gets the guard's message first.
      const { res, text, result } = await callAction(who.ctx, key, null, who.headers);
      calls++;
      const got = `${res.status()} ${result ? JSON.stringify(result) : text.slice(0, 120)}`;
      let ok: boolean;
      if (who.kind === 'anonymous' || who.kind === 'token') {
        // No session cookie: the middleware sends the request to the sign-in page before any action runs.
        ok = want !== 'allowed' && res.status() === 307 && /\/login/.test(res.headers()['location'] ?? '') && !result;
      } else if (want === 'allowed') {
        ok = res.status() === 200 && !!result && !(result.ok === false && (result.error === SIGN_IN_REQUIRED || NEEDS_ROLE.test(result.error ?? '')));
      } else if (want === 'forbidden') {
        ok = res.status() === 200 && result?.ok === false && NEEDS_ROLE.test(result.error ?? '');
      } else {
        ok = res.status() === 200 && result?.ok === false && (result.error === SIGN_IN_REQUIRED || NEEDS_ROLE.test(result.error ?? ''));
      }
      if (!ok) failures.push(`${key} as ${who.name}: ${got}, expected ${want}`);
    }
  }
  console.log(`authz: ${calls} server action calls, ${failures.length} unexpected`);
  expect(failures).toEqual([]);
});
