// Jobs that run once at a time (train, export, map, label-errors, features; suggest: one running and
// one waiting) are single because the database says so (Job.singleKey, unique), not because a
// request looked first: bursts of requests from two connections, as from two web servers, queue one
// job and every caller gets its id. Once it ends, however it ends, the next one can be queued.
// And two workers that embed the same faces at once both store their vectors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { createDb, type Db } from '@/lib/db';
import { cancel, claim, complete, fail, markCancelled, requeueExpired } from '@/lib/queue/jobs';
import { queueSuggest, SUGGEST_JOB } from '@/lib/suggest/queue';
import { queueRetrain, TRAIN_JOB } from '@/lib/training/queue';
import { EXPORT_JOB, queueExport } from '@/lib/export/queue';
import { MAP_JOB, queueMap } from '@/lib/dataset-map/db';
import { LABEL_ERRORS_JOB, queueLabelErrors } from '@/lib/label-errors/db';
import { FEATURES_JOB, queueFeatures } from '@/lib/features/queue';

let t: TestDb;
/** A second client on the same database: its own connections, as another web server or the worker has. */
let other: Db;
beforeAll(async () => {
  t = await freshDb();
  other = createDb(t.url);
});
afterAll(async () => {
  await other?.$disconnect();
  await t?.cleanup();
});

const KINDS: { type: string; queue: (db: Db) => Promise<string> }[] = [
  { type: TRAIN_JOB, queue: async (db) => (await queueRetrain(db, null)).job.id },
  { type: EXPORT_JOB, queue: async (db) => (await queueExport(db, null)).job.id },
  { type: MAP_JOB, queue: async (db) => (await queueMap(db, null)).job.id },
  { type: LABEL_ERRORS_JOB, queue: async (db) => (await queueLabelErrors(db, null)).job.id },
  { type: FEATURES_JOB, queue: async (db) => (await queueFeatures(db, null)).job.id },
];

/** Ten requests at once, half through each client; returns the job ids they got. */
const burst = (queue: (db: Db) => Promise<string>) => Promise.all(Array.from({ length: 10 }, (_, i) => queue(i % 2 ? other : t.db)));
const active = (type: string) => t.db.job.findMany({ where: { type, status: { in: ['queued', 'running'] } }, select: { id: true, status: true } });

/** The ways a job ends; each takes a queued job and leaves it ended. */
const ENDINGS: Record<string, (id: string, type: string) => Promise<void>> = {
  completed: async (id, type) => {
    expect((await claim(t.db, 'w1', { types: [type] }))?.id).toBe(id);
    expect(await complete(t.db, id, 'w1', {})).toBe(true);
  },
  failed: async (id, type) => {
    expect((await claim(t.db, 'w1', { types: [type] }))?.id).toBe(id);
    expect(await fail(t.db, id, 'w1', 'boom')).toBe(true);
  },
  'cancelled while queued': async (id) => {
    expect(await cancel(t.db, id)).toEqual({ status: 'cancelled' });
  },
  'cancelled while running': async (id, type) => {
    expect((await claim(t.db, 'w1', { types: [type] }))?.id).toBe(id);
    expect(await cancel(t.db, id)).toEqual({ status: 'running' });
    expect(await markCancelled(t.db, id, 'w1')).toBe(true);
  },
  'failed when its lease expired with no attempts left': async (id, type) => {
    const { maxAttempts } = await t.db.job.findUniqueOrThrow({ where: { id } });
    let now = Date.now();
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      expect((await claim(t.db, `w${attempt}`, { types: [type], now: new Date(now), leaseMs: 1000 }))?.id).toBe(id);
      now += 2000; // the worker stopped responding
      expect(await requeueExpired(t.db, new Date(now))).toEqual(attempt < maxAttempts ? { requeued: 1, failed: 0 } : { requeued: 0, failed: 1 });
    }
  },
};

describe('single jobs', () => {
  it('a burst of requests through two connections queues one job of each kind, and every caller gets its id', async () => {
    for (const k of KINDS) {
      const ids = await burst(k.queue);
      const jobs = await active(k.type);
      expect({ type: k.type, jobs: jobs.length }).toEqual({ type: k.type, jobs: 1 });
      expect(new Set(ids)).toEqual(new Set([jobs[0].id]));
    }
    const ids = await burst(async (db) => (await queueSuggest(db))!);
    expect(await active(SUGGEST_JOB)).toEqual([{ id: ids[0], status: 'queued' }]);
    expect(new Set(ids).size).toBe(1);
    await t.db.job.deleteMany();
  });

  it('once the job has ended, however it ended, the next burst queues one new job', async () => {
    let k = 0;
    for (const [ending, end] of Object.entries(ENDINGS)) {
      const { type, queue } = KINDS[k++ % KINDS.length];
      const [first] = new Set(await burst(queue));
      await end(first, type);
      expect({ ending, type, active: await active(type) }).toEqual({ ending, type, active: [] });
      const again = new Set(await burst(queue));
      expect({ ending, type, jobs: again.size }).toEqual({ ending, type, jobs: 1 });
      expect([...again][0]).not.toBe(first);
      expect((await active(type)).map((j) => j.id)).toEqual([...again]);
    }
    await t.db.job.deleteMany();
  });

  it('suggest: one job waits behind a running one and starts only when that one has ended', async () => {
    const running = (await queueSuggest(t.db))!;
    expect((await claim(t.db, 'w1', { types: [SUGGEST_JOB] }))?.id).toBe(running);
    // new faces arrived: one job to pick them up, however many requests ask
    const waiting = new Set(await burst(async (db) => (await queueSuggest(db))!));
    expect(waiting.size).toBe(1);
    const [next] = waiting;
    expect(next).not.toBe(running);
    expect(await active(SUGGEST_JOB)).toEqual(
      expect.arrayContaining([
        { id: running, status: 'running' },
        { id: next, status: 'queued' },
      ]),
    );
    // not beside the running one: another worker finds nothing to do
    expect(await claim(other, 'w2', { types: [SUGGEST_JOB] })).toBeNull();
    expect(await claim(other, 'w2')).toBeNull();
    expect(await complete(t.db, running, 'w1', {})).toBe(true);
    expect((await claim(other, 'w2'))?.id).toBe(next);
    // while it runs, the next request queues one to wait behind it again
    const third = (await queueSuggest(t.db))!;
    expect(third).not.toBe(next);
    expect(await claim(t.db, 'w1')).toBeNull();
    expect(await fail(other, next, 'w2', 'boom')).toBe(true);
    expect((await claim(t.db, 'w1'))?.id).toBe(third);
    await t.db.job.deleteMany();
  });

  it('a waiting single job does not hold up other jobs', async () => {
    const running = (await queueSuggest(t.db))!;
    expect((await claim(t.db, 'w1'))?.id).toBe(running);
    await queueSuggest(t.db); // waits
    const map = (await queueMap(t.db, null)).job.id;
    expect((await claim(other, 'w2'))?.id).toBe(map);
    await t.db.job.deleteMany();
  });
});
