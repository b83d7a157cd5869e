// `npm start`: migrate, create the first admin, build once, then run the web app and
// the worker together. Ctrl-C (SIGINT) or SIGTERM stops both cleanly. A worker that dies is
// restarted with back-off; the web app dying stops everything. Several `npm start` may run
// on one data folder at once (on different ports).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { config, ConfigError } from '../lib/config';
import { prepareDatabase } from '../lib/bootstrap';
import { authSecret } from '../lib/auth/secret';
import { db } from '../lib/db';
import { Backoff } from './backoff';
import { withBuildLock } from './build-lock';
import { build, buildIsCurrent } from './build-stamp';

const ROOT = path.resolve(__dirname, '..');
const nextBin = require.resolve('next/dist/bin/next');

async function main() {
  const cfg = config();
  fs.mkdirSync(cfg.dataDir, { recursive: true });
  await prepareDatabase(cfg);
  await db().$disconnect();

  const env = {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    DATABASE_URL: cfg.databaseUrl,
    MASKLAB_DATA_DIR: cfg.dataDir,
    NEXTAUTH_SECRET: authSecret(cfg.dataDir, cfg.nextAuthSecret),
  } as NodeJS.ProcessEnv;
  if (!process.env.NEXTAUTH_URL) env.AUTH_TRUST_HOST = 'true';

  if (!buildIsCurrent(ROOT)) {
    await withBuildLock(path.join(ROOT, '.next-build.lock'), () => {
      if (buildIsCurrent(ROOT)) return; // another `npm start` built it meanwhile
      console.log('masklab: building the web app (only when the sources changed since the last build)…');
      build(ROOT, env);
    });
  }

  const children = new Set<ChildProcess>();
  let stopping = false;
  let restartTimer: NodeJS.Timeout | null = null;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    if (restartTimer) clearTimeout(restartTimer);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    setTimeout(() => process.exit(code), 10_000).unref();
    Promise.all([...children].map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r))))).then(() =>
      process.exit(code),
    );
  };
  const launch = (name: string, args: string[], onExit: (code: number | null, signal: NodeJS.Signals | null, ranMs: number) => void) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'inherit' });
    children.add(child);
    console.log(`masklab: ${name} started (pid ${child.pid})`);
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (!stopping) onExit(code, signal, Date.now() - started);
    });
  };

  // The web app is what users see: when it dies, everything stops (a supervisor such as
  // systemd restarts the whole thing).
  // The preload puts each request's TCP peer address into a header for sign-in throttling.
  launch('web', ['--require', path.join(ROOT, 'jobs', 'peer-address.cjs'), nextBin, 'start', '-p', String(cfg.port), '-H', cfg.hostname], (code, signal) => {
    console.error(`masklab: web exited (${signal ?? code}); stopping`);
    stop(code || 1);
  });
  // The worker only runs jobs: when it dies (killed, out of memory), the web app keeps serving
  // and the worker is started again, 1 s later, then 2, 4 … up to 60 s while it keeps dying.
  // Its job goes back to the queue when the lease expires.
  const worker = path.join(ROOT, 'jobs', 'worker.ts');
  if (cfg.startWorker && fs.existsSync(worker)) {
    const backoff = new Backoff();
    const startWorker = () => {
      restartTimer = null;
      if (stopping) return;
      // `node --import tsx` (not the tsx CLI, which runs the script in a second process): the pid
      // logged and signalled is the worker's own.
      launch('worker', ['--import', 'tsx', worker], (code, signal, ranMs) => {
        const delay = backoff.delay(ranMs);
        console.error(`masklab: worker exited (${signal ?? code}); restarting it in ${delay / 1000} s`);
        restartTimer = setTimeout(startWorker, delay);
      });
    };
    startWorker();
  }
  console.log(`masklab: serving on http://localhost:${cfg.port}`);
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
