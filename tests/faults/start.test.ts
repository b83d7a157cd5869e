// Two `npm start` on one new data folder at once, concurrent Retrain requests against both,
// a worker killed with SIGKILL (restarted with back-off while the web app keeps serving),
// and Ctrl-C stopping everything.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@/lib/db';
import { ADMIN, adminToken, alive, type App, freePort, killAll, newSite, serving, startApp, waitUntil } from './app';

let site: Awaited<ReturnType<typeof newSite>>;
let a: App;
let b: App;

beforeAll(async () => {
  site = await newSite('two-starts');
  // Both at once, on one new data folder and one new database. The worker polls rarely so
  // that the retrain queued below stays queued while the test looks at it.
  const env = { ...site.env, MASKLAB_WORKER_POLL_S: '60' };
  const [pa, pb] = [await freePort(), await freePort()];
  a = startApp(env, pa);
  b = startApp(env, pb === pa ? pa + 1 : pb);
  await Promise.all([serving(a), serving(b)]);
});
afterAll(async () => {
  killAll();
  await site?.cleanup();
});

/** Signs in through next-auth's credentials endpoint; returns the session cookie. */
async function signIn(app: App): Promise<string> {
  const csrf = await fetch(`${app.base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookies = csrf.headers.getSetCookie().map((c) => c.split(';')[0]);
  const res = await fetch(`${app.base}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.join('; ') },
    body: new URLSearchParams({ csrfToken, email: ADMIN.email, password: ADMIN.password, json: 'true', callbackUrl: app.base }),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith('next-auth.session-token='));
  if (!session) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return session.split(';')[0];
}

describe('several processes on one data folder', () => {
  it('both come up, one admin is created, and both sign sessions with the same key', async () => {
    const both = a.output() + b.output();
    expect(both).not.toMatch(/already exists/);
    expect(both.match(/created the first admin account/g)?.length).toBe(1);
    const db = createDb(site.url);
    try {
      expect(await db.user.count()).toBe(1);
    } finally {
      await db.$disconnect();
    }
    expect(fs.readFileSync(path.join(site.dataDir, 'auth-secret'), 'utf8').trim()).toMatch(/^\S{20,}$/);
    expect(fs.readdirSync(site.dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // A session cookie made by one instance is valid on the other.
    const cookie = await signIn(a);
    const me = await fetch(`${b.base}/api/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(ADMIN.email);
  });

  it('concurrent Retrain requests to both instances queue exactly one job', async () => {
    const token = await adminToken(site.url);
    const responses = await Promise.all(
      [a, b, a, b, a, b].map((app) =>
        fetch(`${app.base}/api/training/retrain`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { jobId: string; alreadyQueued: boolean }[];
    expect(new Set(bodies.map((x) => x.jobId)).size).toBe(1);
    expect(bodies.filter((x) => !x.alreadyQueued).length).toBe(1);
    const db = createDb(site.url);
    try {
      expect(await db.job.count({ where: { type: 'train' } })).toBe(1);
    } finally {
      await db.$disconnect();
    }
  });

  it('a worker killed with SIGKILL is restarted with back-off while the web app keeps serving', async () => {
    for (const [i, delay] of [[1, 1], [2, 2]] as const) {
      const worker = a.pids('worker').at(-1)!;
      expect(alive(worker)).toBe(true);
      process.kill(worker, 'SIGKILL');
      await waitUntil('the worker to be restarted', () => a.pids('worker').length === i + 1 && alive(a.pids('worker').at(-1)!), 60_000);
      expect(a.output()).toContain(`masklab: worker exited (SIGKILL); restarting it in ${delay} s`);
      expect((await fetch(`${a.base}/login`)).status).toBe(200);
      expect(a.child.exitCode).toBeNull();
    }
    expect(a.pids('web').length).toBe(1);
  });

  it('Ctrl-C (SIGINT) stops the web app and the worker cleanly', async () => {
    const children = [a.pids('web').at(-1)!, a.pids('worker').at(-1)!];
    a.interrupt();
    expect(await a.exited).toEqual({ code: 0, signal: null });
    await waitUntil('the web app and the worker to exit', () => children.every((pid) => !alive(pid)), 30_000);
    // The other instance is unaffected.
    expect((await fetch(`${b.base}/login`)).status).toBe(200);
  });
});
