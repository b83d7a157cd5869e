// Runs `npm run cli -- …` as a user does (a real process) against a test database and data folder.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

export function runCli(env: { databaseUrl: string; dataDir: string }, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'jobs', 'cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: env.databaseUrl, MASKLAB_DATA_DIR: env.dataDir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
