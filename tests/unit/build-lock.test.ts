// The build lock of `npm start`: a second start waits for the build in progress; the lock of a
// build that was killed is taken over instead of blocking every later start.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockIsStale, withBuildLock } from '../../jobs/build-lock';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-lock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function heldBy(lock: string, owner: string) {
  fs.mkdirSync(lock, { recursive: true });
  fs.writeFileSync(path.join(lock, 'pid'), owner);
}
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!; // exited by the time this returns

describe('build lock', () => {
  it('is stale only when its builder is gone', () => {
    const lock = path.join(dir, 'a.lock');
    heldBy(lock, `${os.hostname()} ${process.pid}`);
    expect(lockIsStale(lock)).toBe(false);
    heldBy(lock, `${os.hostname()} ${deadPid()}`);
    expect(lockIsStale(lock)).toBe(true);
    heldBy(lock, `another-host 1`); // can't tell: wait (up to an hour)
    expect(lockIsStale(lock)).toBe(false);
    fs.rmSync(path.join(lock, 'pid'));
    expect(lockIsStale(lock)).toBe(false); // just created, pid not written yet
  });

  it('takes over the lock of a killed build, and removes it afterwards', async () => {
    const lock = path.join(dir, 'b.lock');
    heldBy(lock, `${os.hostname()} ${deadPid()}`);
    let built = 0;
    await withBuildLock(lock, () => void built++, { pollMs: 10 });
    expect(built).toBe(1);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('waits while another build runs', async () => {
    const lock = path.join(dir, 'c.lock');
    heldBy(lock, `${os.hostname()} ${process.pid}`); // a live builder
    let released = false;
    setTimeout(() => {
      released = true;
      fs.rmSync(lock, { recursive: true, force: true });
    }, 200);
    let builtAfterRelease: boolean | null = null;
    await withBuildLock(lock, () => void (builtAfterRelease = released), { pollMs: 10 });
    expect(builtAfterRelease).toBe(true);
  });
});
