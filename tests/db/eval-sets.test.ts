// Evaluation sets end to end on the fixture faces: an import marked as an evaluation set (with
// attribute-only folders) is never split, snapshotted or trained on, is no labelling work, and
// every run reports its scores and slices beside the test split's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-evalsets-'));
process.env.MASKLAB_DATA_DIR = dataDir;
process.env.MASKLAB_MODELS_DIR = path.join(dataDir, 'models');

import { freshDb, type TestDb } from '../helpers/db';
import { CLASSES } from '@/lib/classes';
import { classCounts } from '@/lib/dataset/balance';
import { ensureEvalSet, listEvalSets, markBatchAsEvalSet, importBatches, setRequireNoEvalDrop } from '@/lib/dataset/eval-sets';
import { defaultIngestOptions } from '@/lib/dataset/ingest';
import { importPath } from '@/lib/import/folder';
import { labelQueue } from '@/lib/dataset/labels';
import { splitCounts } from '@/lib/dataset/split';
import { Worker } from '@/lib/queue/worker';
import { queueRetrain, runTrainJob, TRAIN_JOB, type RunMetrics } from '@/lib/training/job';

let t: TestDb;
let adminId: string;
const FIXTURES = path.resolve(__dirname, '../fixtures/facemask');
const files = (c: string) => fs.readdirSync(path.join(FIXTURES, c)).sort();

beforeAll(async () => {
  t = await freshDb();
  adminId = (await t.db.user.create({ data: { email: 'a@x.test', passwordHash: 'x', role: 'admin' } })).id;
  // Training data: the first 7 faces of each class (enough for one test face per class), one import batch.
  const train = path.join(dataDir, 'train-batch');
  for (const c of CLASSES) {
    fs.mkdirSync(path.join(train, c), { recursive: true });
    for (const f of files(c).slice(0, 7)) fs.copyFileSync(path.join(FIXTURES, c, f), path.join(train, c, f));
  }
  const r = await importPath(t.db, defaultIngestOptions(), train, { uploaderId: adminId, source: 'import', labelsFromFolders: true });
  expect(r.rejected).toEqual([]);
  // Two evaluation sets from the last face of each class: one labelled with age only (old/young
  // folders), one with mask only (nomask folder) plus a class folder (a full label).
  const layout: Record<string, Record<string, string[]>> = {
    ages: { old: ['mask_old'], young: ['mask_young'] },
    masks: { nomask: ['nomask_old'], nomask_young: ['nomask_young'] },
  };
  for (const [name, folders] of Object.entries(layout)) {
    const dir = path.join(dataDir, name);
    for (const [folder, classes] of Object.entries(folders)) {
      fs.mkdirSync(path.join(dir, folder), { recursive: true });
      for (const c of classes) {
        const f = files(c)[7];
        fs.copyFileSync(path.join(FIXTURES, c, f), path.join(dir, folder, `${c}-${f}`));
      }
    }
    const set = await ensureEvalSet(t.db, name, adminId);
    const e = await importPath(t.db, defaultIngestOptions(), dir, { uploaderId: adminId, source: 'import', labelsFromFolders: true, evalSetId: set.id });
    expect(e.rejected).toEqual([]);
    expect(e.faces).toBe(2);
  }
}, 180_000);
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const evalFaceIds = async () => (await t.db.face.findMany({ where: { photo: { evalSetId: { not: null } } }, select: { id: true } })).map((f) => f.id);

describe('evaluation sets', () => {
  it('an attribute folder labels one attribute; the import batch is the folder name', async () => {
    const faces = await t.db.face.findMany({ where: { photo: { evalSetId: { not: null } } }, select: { label: true, attrLabel: true, photo: { select: { batch: true } } } });
    expect(faces.map((f) => `${f.label}/${f.attrLabel}`).sort()).toEqual(['nomask_young/null', 'null/nomask', 'null/old', 'null/young']);
    expect(new Set(faces.map((f) => f.photo.batch))).toEqual(new Set(['ages', 'masks']));
    expect(await t.db.photo.count({ where: { batch: 'train-batch', evalSetId: null } })).toBe(28);
    expect((await listEvalSets(t.db)).map((s) => [s.name, s.faces, s.age, s.mask, s.classLabelled])).toEqual([
      ['ages', 2, 2, 0, 0],
      ['masks', 2, 0, 1, 1],
    ]);
  });

  it('their faces are no labelling work and not counted as training data', async () => {
    const queue = await labelQueue(t.db, { limit: 100 });
    expect(queue).toEqual([]);
    const counts = await classCounts(t.db);
    expect([counts.labelled, counts.unlabelled]).toEqual([28, 0]);
  });

  it('a run never splits, snapshots or trains on them, and reports each set with slices', async () => {
    const { job } = await queueRetrain(t.db, null, { config: { maxEpochs: 5 } });
    await new Worker(t.db, { handlers: { [TRAIN_JOB]: runTrainJob }, log: () => {} }).runOnce();
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).error).toBeNull();
    const run = await t.db.run.findUniqueOrThrow({ where: { jobId: job.id } });
    expect(run.status).toBe('succeeded');
    const ids = await evalFaceIds();
    expect(await t.db.runSample.count({ where: { faceId: { in: ids } } })).toBe(0);
    expect(await t.db.runSample.count({ where: { runId: run.id } })).toBe(28);
    expect(await t.db.face.count({ where: { id: { in: ids }, split: { not: null } } })).toBe(0);

    const m = JSON.parse(run.metrics!) as RunMetrics;
    expect(Object.keys(m.evalSets!).sort()).toEqual(['ages', 'masks']);
    const ages = m.evalSets!.ages;
    expect(ages).toMatchObject({ n: 2, kind: 'age', classAccuracy: null, maskAccuracy: null, counts: { class: 0, age: 2, mask: 0 } });
    expect(ages.accuracy).toBe(ages.ageAccuracy);
    expect(ages.slices.classes).toEqual(['old', 'young']);
    // Mask known for both faces (one by its class), age for one: scored on mask.
    expect(m.evalSets!.masks).toMatchObject({ n: 2, kind: 'mask', counts: { class: 1, age: 1, mask: 2 } });
    expect(m.evalSets!.masks.slices.classes).toEqual(['mask', 'nomask']);
    // Each face's slice values: gender from the cached features, age group from the attribute.
    const gender = ages.slices.dims.find((d) => d.dim === 'gender')!;
    expect(gender.values.reduce((a, v) => a + v.n, 0)).toBe(2);
    const ageGender = ages.slices.dims.find((d) => d.dim === 'ageGender')!;
    expect(ageGender.values.every((v) => /^(old|young) (male|female)$/.test(v.value))).toBe(true);
    expect(ages.slices.dims.find((d) => d.dim === 'batch')!.values.map((v) => v.value)).toEqual(['ages']);

    // The test split's slices: every test face in each dimension that all faces have.
    expect(m.slices!.classes).toEqual([...CLASSES]);
    for (const dim of ['gender', 'source', 'batch', 'uploader', 'size', 'crop'] as const) {
      const d = m.slices!.dims.find((x) => x.dim === dim)!;
      expect(d.values.reduce((a, v) => a + v.n, 0), dim).toBe(m.n);
    }
    // Run 1: nothing promoted before, nothing to compare.
    expect(m.comparison.evalSets).toBeUndefined();
  }, 300_000);

  it('a later run compares evaluation-set accuracy with the promoted model, and promotes only without a drop when the setting asks', async () => {
    await setRequireNoEvalDrop(t.db, true);
    const { job } = await queueRetrain(t.db, null, { seed: 3, config: { maxEpochs: 8 } });
    await new Worker(t.db, { handlers: { [TRAIN_JOB]: runTrainJob }, log: () => {} }).runOnce();
    const run = await t.db.run.findUniqueOrThrow({ where: { jobId: job.id } });
    const m = JSON.parse(run.metrics!) as RunMetrics;
    const rows = m.comparison.evalSets!;
    expect(rows.map((r) => r.name)).toEqual(['ages', 'masks']);
    for (const r of rows) expect(r.accuracy).toBe(m.evalSets![r.name].accuracy);
    const dropped = rows.filter((r) => r.accuracy < r.promotedAccuracy);
    if (m.comparison.promoted) expect(dropped).toEqual([]);
    if (dropped.length) expect(m.comparison.reason).toMatch(/does not beat|scores lower than the promoted model on evaluation set/);
    expect(run.promoted).toBe(m.comparison.promoted);
  }, 300_000);

  it('an admin can mark a past import batch as an evaluation set: its faces leave their split', async () => {
    expect(await t.db.face.count({ where: { photo: { batch: 'train-batch' }, split: { not: null } } })).toBe(28);
    expect((await importBatches(t.db)).map((b) => b.batch)).toEqual(['train-batch']);
    const r = await markBatchAsEvalSet(t.db, { batch: 'train-batch', name: 'old-import', actorId: adminId });
    expect([r.photos, r.faces]).toEqual([28, 28]);
    expect(await t.db.face.count({ where: { split: { not: null } } })).toBe(0);
    const split = await splitCounts(t.db);
    expect(CLASSES.reduce((a, c) => a + split[c].train + split[c].valid + split[c].test + split[c].unassigned, 0)).toBe(0);
    expect(await importBatches(t.db)).toEqual([]);
    await expect(markBatchAsEvalSet(t.db, { batch: 'nope', name: 'x', actorId: adminId })).rejects.toThrow(/no photos/);
  });
});
