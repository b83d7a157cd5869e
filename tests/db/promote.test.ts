// Promotion when runs finish at the same time, and only while the job still holds its lease.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { claim, cancel, enqueue } from '@/lib/queue/jobs';
import { promote, PromotionRefused } from '@/lib/training/promote';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(async () => t.cleanup());

const finishedRun = (n: number) =>
  t.db.run.create({ data: { seed: n, backbone: 'b', config: '{}', status: 'succeeded', modelDir: `/models/r${n}`, finishedAt: new Date() } });

describe(`promotion on ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`, () => {
  it('leaves exactly one promoted run when several promotions run at once', async () => {
    const runs = await Promise.all([1, 2, 3, 4].map(finishedRun));
    for (let round = 0; round < 5; round++) {
      // Every round starts from another promoted run, then all four are promoted at once.
      await promote(t.db, runs[round % 4].id);
      const results = await Promise.allSettled(runs.map((r) => promote(t.db, r.id)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const promoted = await t.db.run.findMany({ where: { promoted: true } });
      expect(promoted.length).toBe(1);
    }
  });

  it('refuses to promote for a job that lost its lease or was cancelled, and changes nothing', async () => {
    await t.db.job.deleteMany({});
    const before = await t.db.run.findFirstOrThrow({ where: { promoted: true } });
    const run = await finishedRun(10);

    const lost = await enqueue(t.db, { type: 'train' });
    await claim(t.db, 'w-old', { types: ['train'] });
    // The lease expired and another worker took the job over.
    await t.db.job.update({ where: { id: lost.id }, data: { lockedBy: 'w-new' } });
    await expect(promote(t.db, run.id, { heldBy: { jobId: lost.id, workerId: 'w-old' } })).rejects.toBeInstanceOf(PromotionRefused);
    await t.db.job.update({ where: { id: lost.id }, data: { status: 'failed' } });

    const cancelled = await enqueue(t.db, { type: 'train' });
    await claim(t.db, 'w', { types: ['train'] });
    await cancel(t.db, cancelled.id);
    await expect(promote(t.db, run.id, { heldBy: { jobId: cancelled.id, workerId: 'w' } })).rejects.toBeInstanceOf(PromotionRefused);

    const promoted = await t.db.run.findMany({ where: { promoted: true } });
    expect(promoted.map((r) => r.id)).toEqual([before.id]);
  });

  it('promotes for a job that still holds its lease', async () => {
    await t.db.job.updateMany({ where: { status: 'running' }, data: { status: 'failed' } });
    const run = await finishedRun(11);
    const job = await enqueue(t.db, { type: 'train' });
    expect((await claim(t.db, 'w2', { types: ['train'] }))?.id).toBe(job.id);
    await promote(t.db, run.id, { heldBy: { jobId: job.id, workerId: 'w2' } });
    expect((await t.db.run.findMany({ where: { promoted: true } })).map((r) => r.id)).toEqual([run.id]);
  });
});
