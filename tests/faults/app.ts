// Real `npm start` processes for the fault tests: each runs in its own process group (the
// supervisor, the Next.js server and the worker), so a test can kill one part with SIGKILL
// and always kills whatever is left afterwards. Ports come from 3500-3599.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ADMIN = { email: 'admin@faults.test', password: 'faults-admin-password' };
export const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'facemask');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const groups = new Set<number>();
/** SIGKILL to every process group a test started and has not reaped (also when vitest exits). */
export function killAll(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
}
process.once('exit', killAll);

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => T | Promise<T>, timeoutMs = 180_000, everyMs = 200): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

/** A free TCP port in 3500-3599 (the range these tests may use). */
export async function freePort(): Promise<number> {
  const start = 3500 + crypto.randomInt(100);
  for (let i = 0; i < 100; i++) {
    const port = 3500 + ((start - 3500 + i) % 100);
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 3500-3599');
}

export type Env = Record<string, string>;

/** A new data folder and a new, empty database for it (SQLite in the folder, or on the test PostgreSQL server). */
export async function newSite(prefix: string): Promise<{ dataDir: string; env: Env; url: string; cleanup: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `masklab-${prefix}-`));
  const server = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  let url = `file:${path.join(dataDir, 'masklab.db')}`;
  let drop = async () => {};
  if (server && /^postgres(ql)?:\/\//.test(server)) {
    const { default: pg } = await import('pg');
    const name = `masklab_faults_${crypto.randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(server);
    u.pathname = `/${name}`;
    url = u.toString();
    drop = async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const env: Env = {
    MASKLAB_DATA_DIR: dataDir,
    MASKLAB_MODELS_DIR: path.join(dataDir, 'models'),
    DATABASE_URL: url,
    MASKLAB_ADMIN_EMAIL: ADMIN.email,
    MASKLAB_ADMIN_PASSWORD: ADMIN.password,
  };
  return {
    dataDir,
    env,
    url,
    cleanup: async () => {
      await drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function childEnv(env: Env): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('VITEST') || k === 'NODE_ENV' || k === 'TEST_DATABASE_URL') delete base[k];
  delete base.NEXTAUTH_SECRET;
  return { ...base, NEXT_TELEMETRY_DISABLED: '1', ...env };
}

/** `npm run cli -- …` on a site; returns stdout (throws with the output when it fails). */
export function cli(env: Env, args: string[], opts: { allowFail?: boolean } = {}): { stdout: string; status: number | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'jobs', 'cli.ts'), ...args], {
    cwd: ROOT,
    env: childEnv(env),
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`cli ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, status: r.status };
}

export type App = {
  port: number;
  base: string;
  child: ChildProcess;
  /** Everything the supervisor and its children printed so far. */
  output: () => string;
  /** Pids of the web server / worker processes in start order, from the supervisor's log. */
  pids: (name: 'web' | 'worker') => number[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ctrl-C in its terminal: SIGINT to the whole process group. */
  interrupt: () => void;
  kill: () => void;
};

/** Starts `npm start` (as `node --import tsx jobs/start.ts`, so the pid is the supervisor's own). */
export function startApp(env: Env, port: number): App {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'jobs', 'start.ts')], {
    cwd: ROOT,
    env: childEnv({ ...env, PORT: String(port), HOSTNAME: '127.0.0.1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: kill(-pid) reaches the web server and worker too
  });
  groups.add(child.pid!);
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  if (process.env.MASKLAB_FAULTS_VERBOSE) {
    child.stdout!.pipe(process.stdout);
    child.stderr!.pipe(process.stderr);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    pids: (name) => [...out.matchAll(new RegExp(`masklab: ${name} started \\(pid (\\d+)\\)`, 'g'))].map((m) => Number(m[1])),
    exited,
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
    kill: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      groups.delete(child.pid!);
    },
  };
}

/** Resolves once the app answers HTTP (the sign-in page). */
export async function serving(app: App, timeoutMs = 240_000): Promise<void> {
  await waitUntil(
    `the app on port ${app.port} to serve (output so far:\n${app.output().slice(-2000)})`,
    async () => {
      if (app.child.exitCode !== null) throw new Error(`npm start exited (${app.child.exitCode}):\n${app.output().slice(-4000)}`);
      const r = await fetch(`${app.base}/login`, { signal: AbortSignal.timeout(10_000) });
      return r.status === 200;
    },
    timeoutMs,
    500,
  );
}

/** Whether a process is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An admin API token, made directly in the site's database. */
export async function adminToken(url: string): Promise<string> {
  const { createDb } = await import('@/lib/db');
  const { createToken } = await import('@/lib/auth/tokens');
  const db = createDb(url);
  try {
    const admin = await db.user.findUniqueOrThrow({ where: { email: ADMIN.email } });
    return (await createToken(db, admin.id, 'faults')).token;
  } finally {
    await db.$disconnect();
  }
}
