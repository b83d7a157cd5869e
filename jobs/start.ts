// `npm start`: migrate, create the first admin, build once, then run the web app and
// the worker together. Ctrl-C (SIGINT) or SIGTERM stops both cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { config, ConfigError } from '../lib/config';
import { prepareDatabase } from '../lib/bootstrap';
import { authSecret } from '../lib/auth/secret';
import { db } from '../lib/db';
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
    await withBuildLock(() => {
      if (buildIsCurrent(ROOT)) return; // another `npm start` built it meanwhile
      console.log('masklab: building the web app (only when the sources changed since the last build)…');
      build(ROOT, env);
    });
  }

  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    setTimeout(() => process.exit(code), 10_000).unref();
    Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))))).then(() =>
      process.exit(code),
    );
  };
  const launch = (name: string, args: string[]) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`masklab: ${name} exited (${signal ?? code}); stopping`);
        stop(code || 1);
      }
    });
    children.push(child);
  };

  // The preload puts each request's TCP peer address into a header for sign-in throttling.
  launch('web', ['--require', path.join(ROOT, 'jobs', 'peer-address.cjs'), nextBin, 'start', '-p', String(cfg.port), '-H', cfg.hostname]);
  const worker = path.join(ROOT, 'jobs', 'worker.ts');
  if (cfg.startWorker && fs.existsSync(worker)) {
    launch('worker', [require.resolve('tsx/cli'), worker]);
  }
  console.log(`masklab: serving on http://localhost:${cfg.port}`);
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
}

/** One build at a time when several `npm start` run at once (they share .next). */
async function withBuildLock(fn: () => void): Promise<void> {
  const lock = path.join(ROOT, '.next-build.lock');
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 15 * 60_000) fs.rmSync(lock, { recursive: true, force: true }); // left by a killed build
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
