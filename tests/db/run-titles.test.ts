// Runs are named "Run 7 · 7 Dec" by creation order, counted in the database: the list, a run's page
// and a lookup by id agree, and the id never is the title.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { runDetail, runTitle, runTitleById, trainingStatus } from '@/lib/training/views';
import { queueRetrain } from '@/lib/training/queue';
import { trainingStatusSchema } from '@/app/_server/api-schemas';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(async () => {
  await t.cleanup();
});

describe('run titles', () => {
  it('formats the number and the UTC day, with the year only when it is not this one', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    expect(runTitle(7, '2026-12-07T23:30:00Z', now)).toBe('Run 7 · 7 Dec');
    expect(runTitle(1, new Date('2025-01-31T00:00:00Z'), now)).toBe('Run 1 · 31 Jan 2025');
  });

  it('numbers runs by creation order, the same in the list, on the run page and by id', async () => {
    const base = Date.UTC(2026, 11, 1, 9);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      // Two runs in the same millisecond: the id breaks the tie the same way everywhere.
      const createdAt = new Date(base + (i === 13 ? 12 : i) * 3_600_000);
      const r = await t.db.run.create({ data: { status: 'succeeded', backbone: 'faceres', createdAt } });
      ids.push(r.id);
    }
    const order = (await t.db.run.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true } })).map((r) => r.id);

    const { runs } = await trainingStatus(t.db); // the newest 20
    expect(runs).toHaveLength(20);
    for (const r of runs) {
      expect(r.number).toBe(order.indexOf(r.id) + 1);
      expect(r.title).toMatch(new RegExp(`^Run ${r.number} · \\d+ Dec`));
      expect(r.title).not.toContain(r.id);
    }
    expect(runs[0].number).toBe(25);

    const first = await runDetail(t.db, order[0]);
    expect(first?.run.title).toMatch(/^Run 1 · 1 Dec/);
    expect(await runTitleById(t.db, order[12])).toMatch(/^Run 13 · /);
    expect(await runTitleById(t.db, order[13])).toMatch(/^Run 14 · /);
    expect(await runTitleById(t.db, 'no-such-run')).toBeNull();
  });
});

describe('training status', () => {
  it('a retrain the worker has not picked up has no progress (null), as GET /api/training/status describes', async () => {
    const { job } = await queueRetrain(t.db, null);
    const status = await trainingStatus(t.db);
    expect(status.job).toMatchObject({ id: job.id, status: 'queued', progress: null });
    expect(() => trainingStatusSchema.parse(status)).not.toThrow();
    // Once the worker reports a step, it is shown.
    await t.db.job.update({ where: { id: job.id }, data: { status: 'running', progress: JSON.stringify({ step: 'features', features: { done: 1, total: 4 } }) } });
    expect((await trainingStatus(t.db)).job?.progress).toEqual({ step: 'features', features: { done: 1, total: 4 } });
    await t.db.job.update({ where: { id: job.id }, data: { status: 'cancelled' } });
  });
});
