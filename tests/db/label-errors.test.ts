// The label-error finder on cached vectors (no backbone run): flipped labels are ranked near the top,
// evaluation-set and excluded faces are left out, "keep" survives a recomputation while the label is
// unchanged, and relabelling (the normal labelling path) drops the face's row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSES, type ClassName } from '@/lib/classes';
import { assignLabels } from '@/lib/dataset/labels';
import { Worker } from '@/lib/queue/worker';
import { keepLabel, listLabelErrors, openLabelErrorCount, queueLabelErrors } from '@/lib/label-errors/db';
import { LABEL_ERRORS_FOLD_JOB, LABEL_ERRORS_JOB, runLabelErrorsFold, runLabelErrorsJob } from '@/lib/label-errors/job';
import type { Actor } from '@/lib/auth/roles';
import { makeFaces, makeUser } from '../helpers/faces';
import { freshDb, type TestDb } from '../helpers/db';
import { seedVectors } from '../helpers/vectors';

let t: TestDb;
let admin: Actor;
let ann: Actor;
let ids: string[];
let truth: ClassName[];
const flipped = new Map<string, ClassName>(); // face → the wrong label it was given
let evalIds: string[];

const run = async () => {
  const { job } = await queueLabelErrors(t.db, admin.id, { seed: 3 });
  await new Worker(t.db, { handlers: { [LABEL_ERRORS_JOB]: runLabelErrorsJob }, log: () => {} }).runOnce();
  const done = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
  expect(done.error).toBeNull();
  expect(done.status).toBe('succeeded');
  return JSON.parse(done.result!) as { faces: number; stored: number };
};

beforeAll(async () => {
  t = await freshDb();
  admin = await makeUser(t.db, 'admin');
  ann = await makeUser(t.db, 'labeler');
  // 96 faces, 24 per class, on 8 photos of 12.
  ids = [];
  for (let p = 0; p < 8; p++) ids.push(...(await makeFaces(t.db, admin.id, 12)));
  truth = ids.map((_, i) => CLASSES[i % 4]);
  for (const c of CLASSES) await assignLabels(t.db, admin, ids.filter((_, i) => truth[i] === c), c);
  // Flip 6: three mask ↔ nomask, three young ↔ old.
  const swap: Record<ClassName, [ClassName, ClassName]> = {
    mask_old: ['nomask_old', 'mask_young'],
    mask_young: ['nomask_young', 'mask_old'],
    nomask_old: ['mask_old', 'nomask_young'],
    nomask_young: ['mask_young', 'nomask_old'],
  };
  for (let j = 0; j < 6; j++) {
    const i = j * 13;
    flipped.set(ids[i], swap[truth[i]][j % 2]);
  }
  for (const [id, l] of flipped) await assignLabels(t.db, admin, [id], l);
  await seedVectors(t.db, ids, truth);
  // An evaluation-set photo and an excluded face: never ranked.
  const set = await t.db.evalSet.create({ data: { name: 'generalisation' } });
  evalIds = await makeFaces(t.db, admin.id, 4);
  await t.db.photo.updateMany({ where: { faces: { some: { id: evalIds[0] } } }, data: { evalSetId: set.id } });
  await assignLabels(t.db, admin, evalIds, 'mask_old');
  await seedVectors(t.db, evalIds, ['nomask_young', 'nomask_young', 'nomask_young', 'nomask_young']);
  await assignLabels(t.db, admin, [ids[95]], 'excluded');
}, 120_000);
afterAll(() => t.cleanup());

describe('label-error finder', () => {
  it('ranks the flipped labels at the top and suggests their true class', async () => {
    const r = await run();
    expect(r.faces).toBe(95);
    expect(r.stored).toBe(95);
    const { items, total } = await listLabelErrors(t.db, ann, { pageSize: 10 });
    expect(total).toBe(95);
    const top = items.map((i) => i.faceId);
    const found = [...flipped.keys()].filter((id) => top.includes(id));
    expect(found.length).toBeGreaterThanOrEqual(5);
    for (const item of items.filter((i) => flipped.has(i.faceId))) {
      expect(item.label).toBe(flipped.get(item.faceId));
      expect(item.suggested).toBe(truth[ids.indexOf(item.faceId)]);
    }
    expect(items[0].score).toBeGreaterThan(0.5);
    expect(items[0].file).toBe('group.jpg');
    expect(await t.db.labelError.count({ where: { faceId: { in: [...evalIds, ids[95]] } } })).toBe(0);
    expect(await openLabelErrorCount(t.db)).toBeGreaterThanOrEqual(found.length);
  }, 300_000);

  it('keep hides a face until its label changes; relabelling drops its row and keeps history', async () => {
    const [keptId, fixedId] = [...flipped.keys()];
    const open = await openLabelErrorCount(t.db);
    await keepLabel(t.db, ann, keptId);
    expect((await listLabelErrors(t.db, ann, { pageSize: 200 })).items.map((i) => i.faceId)).not.toContain(keptId);
    expect(await openLabelErrorCount(t.db)).toBe(open - 1);
    await assignLabels(t.db, ann, [fixedId], truth[ids.indexOf(fixedId)]);
    expect(await t.db.labelError.findUnique({ where: { faceId: fixedId } })).toBeNull();
    expect(await t.db.labelEvent.count({ where: { faceId: fixedId } })).toBe(3);

    await run();
    const kept = await t.db.labelError.findUniqueOrThrow({ where: { faceId: keptId } });
    expect(kept.keptById).toBe(ann.id);
    expect(kept.keptAt).not.toBeNull();
    const fixed = await t.db.labelError.findUniqueOrThrow({ where: { faceId: fixedId } });
    expect(fixed.label).toBe(truth[ids.indexOf(fixedId)]);
    expect(fixed.score).toBeLessThan(0.5);

    // The kept face relabelled: its kept mark was for the old label and goes with it.
    await assignLabels(t.db, ann, [keptId], truth[ids.indexOf(keptId)]);
    await run();
    expect((await t.db.labelError.findUniqueOrThrow({ where: { faceId: keptId } })).keptAt).toBeNull();
  }, 300_000);

  it('with the fold handler, each fold is a job that any worker takes, and the ranking is the same', async () => {
    const scores = async () => new Map((await t.db.labelError.findMany({ select: { faceId: true, score: true } })).map((e) => [e.faceId, e.score]));
    await run(); // one process, folds in turn
    const alone = await scores();
    const { job } = await queueLabelErrors(t.db, admin.id, { seed: 3 });
    // Both workers share this test's one thread: a fold first yields a moment, so the other worker's poll runs
    // (in production each worker is its own process).
    const fold: typeof runLabelErrorsFold = async (ctx) => (await new Promise((r) => setTimeout(r, 60)), runLabelErrorsFold(ctx));
    const handlers = { [LABEL_ERRORS_JOB]: runLabelErrorsJob, [LABEL_ERRORS_FOLD_JOB]: fold };
    const workers = ['wa', 'wb'].map((workerId) => new Worker(t.db, { handlers, workerId, pollMs: 20, log: () => {} }));
    workers.forEach((w) => w.start());
    let done = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    for (let i = 0; i < 600 && !['succeeded', 'failed', 'cancelled'].includes(done.status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    }
    await Promise.all(workers.map((w) => w.stop()));
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    const folds = await t.db.job.findMany({ where: { parentId: job.id } });
    expect(folds.map((f) => [f.type, f.status])).toEqual(Array.from({ length: 5 }, () => [LABEL_ERRORS_FOLD_JOB, 'succeeded']));
    const logs = await t.db.jobLog.findMany({ where: { jobId: { in: folds.map((f) => f.id) }, message: { startsWith: 'started by worker' } } });
    expect(new Set(logs.map((l) => l.message.split(' ')[3]))).toEqual(new Set(['wa', 'wb']));
    // The same folds and seeds: the same scores as one process computing them in turn.
    const spread = await scores();
    expect(spread.size).toBe(alone.size);
    for (const [id, score] of alone) expect(spread.get(id)).toBeCloseTo(score, 6);
  }, 300_000);

  it('refuses viewers, and keeping a face that is not listed', async () => {
    const viewer = await makeUser(t.db, 'viewer');
    await expect(keepLabel(t.db, viewer, ids[1])).rejects.toThrow();
    await expect(keepLabel(t.db, ann, evalIds[0])).rejects.toThrow(/not listed/);
  });
});
