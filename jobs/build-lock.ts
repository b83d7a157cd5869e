// The build lock of `npm start`: several processes starting at once share .next, so one builds
// and the others wait for it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One build at a time when several `npm start` run at once (they share .next). The lock is a
 * folder (mkdir is atomic) holding the builder's pid; a lock whose builder is gone (killed
 * mid-build) is taken over, one left by another machine after an hour.
 */
export async function withBuildLock(lock: string, fn: () => void, opts: { pollMs?: number } = {}): Promise<void> {
  const owner = path.join(lock, 'pid');
  let waited = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(owner, `${os.hostname()} ${process.pid}`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (lockIsStale(lock, owner)) {
        console.log('masklab: removing the build lock of a build that no longer runs');
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!waited) console.log('masklab: another process is building the web app; waiting for it…');
      waited = true;
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
    }
  }
  try {
    fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export function lockIsStale(lock: string, owner = path.join(lock, 'pid')): boolean {
  const st = fs.statSync(lock, { throwIfNoEntry: false });
  if (!st) return false; // just released: try again
  const age = Date.now() - st.mtimeMs;
  let text: string;
  try {
    text = fs.readFileSync(owner, 'utf8');
  } catch {
    return age > 60_000; // the owner has not written its pid yet (or died right after mkdir)
  }
  const [host, pid] = text.trim().split(' ');
  if (host !== os.hostname()) return age > 60 * 60_000;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
