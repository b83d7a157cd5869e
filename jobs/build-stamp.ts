// Decides whether the Next.js build in .next is current: a hash over the files that
// go into it. `npm start` rebuilds when the hash differs (fresh clone, git pull, edits).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const INPUTS = ['app', 'lib', 'middleware.ts', 'next.config.js', 'postcss.config.mjs', 'tsconfig.json', 'package-lock.json', 'public'];
const SKIP = new Set(['generated', 'node_modules']);

function walk(p: string, out: string[]): void {
  if (!fs.existsSync(p)) return;
  const st = fs.statSync(p);
  if (st.isFile()) return void out.push(p);
  for (const e of fs.readdirSync(p).sort()) if (!SKIP.has(e)) walk(path.join(p, e), out);
}

export function sourceHash(root: string): string {
  const files: string[] = [];
  for (const i of INPUTS) walk(path.join(root, i), files);
  const h = crypto.createHash('sha256');
  for (const f of files) h.update(path.relative(root, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  return h.digest('hex');
}

const stampFile = (root: string) => path.join(root, '.next', 'masklab-source-hash');

export function buildIsCurrent(root: string): boolean {
  if (!fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) return false;
  try {
    return fs.readFileSync(stampFile(root), 'utf8') === sourceHash(root);
  } catch {
    return false;
  }
}

export function writeStamp(root: string, hash: string): void {
  fs.writeFileSync(stampFile(root), hash);
}

/** Runs `next build` and records the source hash it was built from. */
export function build(root: string, env: NodeJS.ProcessEnv = process.env): void {
  const hash = sourceHash(root); // taken before the build, so edits made meanwhile rebuild next time
  const b = spawnSync(process.execPath, [require.resolve('next/dist/bin/next'), 'build'], {
    cwd: root,
    env: { ...env, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: 'inherit',
  });
  if (b.status !== 0) throw new Error('next build failed');
  writeStamp(root, hash);
}

if (require.main === module) {
  try {
    build(path.resolve(__dirname, '..'));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
