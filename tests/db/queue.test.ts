import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { createDb, type Db } from '@/lib/db';
import { cancel, claim, enqueue, heartbeat, requeueExpired, setProgress } from '@/lib/queue/jobs';
import { isPostgres } from '@/lib/db';
import { Worker } from '@/lib/queue/worker';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(async () => t.cleanup());

async function clearJobs(db: Db) {
  await db.job.deleteMany({});
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function spawnWorker(url: string, leaseMs: number): { child: ChildProcess; claimed: Promise<string>; exited: Promise<number | null> } {
  // `node --import tsx` (not the tsx CLI, which would run the worker in a child process): the
  // signals the test sends reach the worker itself.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers/slow-worker.ts'), url, String(leaseMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const claimed = new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += String(d);
      const m = /claimed (\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`worker exited before claiming: ${buf}`)));
  });
  claimed.catch(() => {});
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, claimed, exited };
}

describe(`job queue on ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`, () => {
  it('uses FOR UPDATE SKIP LOCKED exactly on PostgreSQL', () => {
    expect(isPostgres(t.db)).toBe(t.provider === 'postgresql');
  });

  it('claims the oldest queued job once, then the next, then nothing', async () => {
    await clearJobs(t.db);
    const a = await enqueue(t.db, { type: 'work', payload: { n: 1 } });
    await sleep(5);
    const b = await enqueue(t.db, { type: 'work', payload: { n: 2 } });
    const first = await claim(t.db, 'w1');
    expect(first?.id).toBe(a.id);
    expect(first?.status).toBe('running');
    expect(first?.lockedBy).toBe('w1');
    expect(first?.attempts).toBe(1);
    expect((await claim(t.db, 'w2'))?.id).toBe(b.id);
    expect(await claim(t.db, 'w3')).toBeNull();
  });

  it('only claims the job types the worker handles', async () => {
    await clearJobs(t.db);
    await enqueue(t.db, { type: 'other' });
    expect(await claim(t.db, 'w1', { types: ['work'] })).toBeNull();
    expect((await claim(t.db, 'w1', { types: ['other'] }))?.type).toBe('other');
  });

  it('never hands the same job to two concurrent claimers', async () => {
    await clearJobs(t.db);
    const n = 12;
    for (let i = 0; i < n; i++) await enqueue(t.db, { type: 'work', payload: { i } });
    // PostgreSQL: two separate clients (two connections, as two worker machines would have).
    // SQLite (one worker by design): interleaved claims on one connection, which still race
    // between picking a candidate and taking it. Two connections in one process would block
    // each other in better-sqlite3's synchronous busy wait.
    const other = t.provider === 'postgresql' ? createDb(t.url) : t.db;
    try {
      const claims = await Promise.all(
        Array.from({ length: 2 * n }, (_, i) => claim(i % 2 ? other : t.db, `w${i % 2}-${i}`)),
      );
      const got = claims.filter((j) => j !== null).map((j) => j!.id);
      expect(new Set(got).size).toBe(got.length);
      // Every job was taken exactly once and is held by one worker.
      const rows = await t.db.job.findMany({ select: { status: true, attempts: true } });
      expect(rows.every((r) => r.status === 'running' && r.attempts === 1)).toBe(true);
      expect(got.length).toBe(n);
    } finally {
      if (other !== t.db) await other.$disconnect();
    }
  });

  it('re-queues a job whose lease expired, then fails it after maxAttempts', async () => {
    await clearJobs(t.db);
    const job = await enqueue(t.db, { type: 'work', maxAttempts: 2 });
    const c1 = await claim(t.db, 'dead-1', { leaseMs: 50 });
    expect(c1?.id).toBe(job.id);
    await sleep(80);
    const c2 = await claim(t.db, 'w2', { leaseMs: 50 });
    expect(c2?.id).toBe(job.id);
    expect(c2?.attempts).toBe(2);
    // The first worker's heartbeat no longer holds the job.
    expect((await heartbeat(t.db, job.id, 'dead-1')).held).toBe(false);
    expect(await setProgress(t.db, job.id, 'dead-1', { step: 'x' })).toBe(false);
    await sleep(80);
    expect(await requeueExpired(t.db)).toEqual({ requeued: 0, failed: 1 });
    const final = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(final.status).toBe('failed');
    expect(final.error).toMatch(/stopped responding/);
    expect(await claim(t.db, 'w3')).toBeNull();
  });

  it('a heartbeat keeps the lease alive', async () => {
    await clearJobs(t.db);
    const job = await enqueue(t.db, { type: 'work' });
    await claim(t.db, 'w1', { leaseMs: 150 });
    for (let i = 0; i < 4; i++) {
      await sleep(60);
      expect((await heartbeat(t.db, job.id, 'w1', 150)).held).toBe(true);
    }
    expect(await claim(t.db, 'w2')).toBeNull();
  });

  it('retries a job after its worker process is killed', async () => {
    await clearJobs(t.db);
    const job = await enqueue(t.db, { type: 'slow', payload: { ms: 60_000 }, maxAttempts: 3 });
    const w = spawnWorker(t.url, 600);
    try {
      expect(await w.claimed).toBe(job.id);
      w.child.kill('SIGKILL');
      await w.exited;
      const held = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
      expect(held.status).toBe('running');
      await sleep(700);
      // A surviving worker picks it up again.
      let ran = 0;
      const survivor = new Worker(t.db, {
        workerId: 'survivor',
        log: () => {},
        handlers: { slow: async () => ({ ran: ++ran }) },
      });
      expect(await survivor.runOnce()).toBe(true);
      const done = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
      expect(done.status).toBe('succeeded');
      expect(done.attempts).toBe(2);
      expect(JSON.parse(done.result!)).toEqual({ ran: 1 });
      const logs = (await t.db.jobLog.findMany({ where: { jobId: job.id }, orderBy: { id: 'asc' } })).map((l) => l.message).join('\n');
      expect(logs).toMatch(/expired; re-queued/);
    } finally {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
    }
  });

  it('a worker stopped with SIGTERM gives its job back and exits cleanly', async () => {
    await clearJobs(t.db);
    const job = await enqueue(t.db, { type: 'slow', payload: { ms: 60_000 } });
    const w = spawnWorker(t.url, 5000);
    try {
      expect(await w.claimed).toBe(job.id);
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      const back = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
      expect(back.status).toBe('queued');
      expect(back.attempts).toBe(0);
      expect(back.lockedBy).toBeNull();
    } finally {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
    }
  });

  it('cancels a queued job at once and a running job at its next checkpoint', async () => {
    await clearJobs(t.db);
    const queued = await enqueue(t.db, { type: 'work' });
    expect(await cancel(t.db, queued.id)).toEqual({ status: 'cancelled' });
    await expect(cancel(t.db, queued.id)).rejects.toThrow(/already cancelled/);

    const job = await enqueue(t.db, { type: 'loop' });
    let epochs = 0;
    const worker = new Worker(t.db, {
      workerId: 'w-cancel',
      log: () => {},
      handlers: {
        loop: async (ctx) => {
          for (;;) {
            epochs++;
            await ctx.progress({ epoch: epochs });
            if (epochs === 3) await cancel(t.db, job.id);
            await ctx.checkpoint();
          }
        },
      },
    });
    await worker.runOnce();
    const row = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe('cancelled');
    expect(epochs).toBe(3);
    expect(JSON.parse(row.progress)).toEqual({ epoch: 3 });
  });

  it('records a failing handler as failed with its message, without retrying', async () => {
    await clearJobs(t.db);
    const job = await enqueue(t.db, { type: 'boom' });
    const worker = new Worker(t.db, {
      log: () => {},
      handlers: {
        boom: async () => {
          throw new Error('no labelled faces');
        },
      },
    });
    await worker.runOnce();
    const row = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe('failed');
    expect(row.error).toBe('no labelled faces');
    expect(await claim(t.db, 'again')).toBeNull();
  });
});

describe('retrain requests at once', () => {
  it('queue one train job however many arrive together, from several processes', async () => {
    await clearJobs(t.db);
    const { queueRetrain } = await import('@/lib/training/queue');
    // Separate clients stand for separate web servers: each sees "no train job yet" at first.
    const clients = Array.from({ length: 5 }, () => createDb(t.url));
    try {
      const out = await Promise.all(clients.map((db) => queueRetrain(db, null)));
      const ids = new Set(out.map((o) => o.job.id));
      expect(ids.size).toBe(1);
      expect(out.filter((o) => !o.alreadyQueued)).toHaveLength(1);
      expect(await t.db.job.count({ where: { type: 'train', status: { in: ['queued', 'running'] } } })).toBe(1);
      // Once it has finished, the next Retrain queues a new one.
      await t.db.job.updateMany({ where: { type: 'train' }, data: { status: 'succeeded' } });
      expect((await queueRetrain(t.db, null)).alreadyQueued).toBe(false);
    } finally {
      await Promise.all(clients.map((db) => db.$disconnect()));
      await clearJobs(t.db);
    }
  });
});
