// The whole retrain job on the 32 fixture faces: snapshot, split, features, train,
// evaluate, save, promote; then a second run that reuses the cached features and is
// compared with the promoted model on the same test split.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-train-'));
process.env.MASKLAB_DATA_DIR = dataDir;
process.env.MASKLAB_MODELS_DIR = path.join(dataDir, 'models');

import { freshDb, type TestDb } from '../helpers/db';
import { ApiSchemas, type Doc } from '../../e2e/api-schema-check';
import { apiDocument } from '@/app/_server/openapi';
import { runDetail } from '@/lib/training/views';
import { CLASSES } from '@/lib/classes';
import { defaultIngestOptions } from '@/lib/dataset/ingest';
import { importPath } from '@/lib/import/folder';
import { Worker } from '@/lib/queue/worker';
import { queueRetrain, runTrainJob, TRAIN_JOB, type RunMetrics } from '@/lib/training/job';
import { backboneId, FEATURE_DIM, featureDim, GEAR_AGE_BINS } from '@/lib/inference/backbone';
import { decodeVector, encodeVector, FEATURE_KEY, featureKey } from '@/lib/features/cache';
import { viewKey } from '@/lib/features/views';

let t: TestDb;
const FIXTURES = path.resolve(__dirname, '../fixtures/facemask');

beforeAll(async () => {
  t = await freshDb();
  const admin = await t.db.user.create({ data: { email: 'a@x.test', passwordHash: 'x', role: 'admin' } });
  // The real import path, as a user would run it: each class folder imported with its label.
  for (const c of CLASSES) {
    const r = await importPath(t.db, defaultIngestOptions(), path.join(FIXTURES, c), { uploaderId: admin.id, source: 'import', label: c });
    expect(r.rejected).toEqual([]);
  }
  expect(await t.db.face.count({ where: { label: { not: null } } })).toBe(32);
}, 120_000);
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const worker = () => new Worker(t.db, { handlers: { [TRAIN_JOB]: runTrainJob }, log: () => {} });

describe('retrain job', () => {
  it('trains, evaluates, saves and promotes the first model', async () => {
    const { job } = await queueRetrain(t.db, null, { config: { maxEpochs: 30, patience: 10 } });
    expect((await queueRetrain(t.db, null)).alreadyQueued).toBe(true);
    expect(await worker().runOnce()).toBe(true);
    const done = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(JSON.parse(done.progress).step).toBe('done');

    const run = await t.db.run.findUniqueOrThrow({ where: { jobId: job.id } });
    expect(run.status).toBe('succeeded');
    expect(run.promoted).toBe(true);
    expect(fs.readdirSync(run.modelDir!).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);
    const samples = await t.db.runSample.groupBy({ by: ['split'], where: { runId: run.id }, _count: { _all: true } });
    const bySplit = Object.fromEntries(samples.map((s) => [s.split, s._count._all]));
    expect(bySplit.train + bySplit.valid + bySplit.test).toBe(32);
    expect(bySplit.test).toBeGreaterThanOrEqual(4); // at least one per class
    const m = JSON.parse(run.metrics!) as RunMetrics;
    expect(m.n).toBe(bySplit.test);
    expect(m.confusion.flat().reduce((a, b) => a + b, 0)).toBe(bySplit.test);
    expect(m.comparison.promoted).toBe(true);
    expect(JSON.parse(run.history).length).toBeGreaterThan(0);
    expect(await t.db.feature.count({ where: { backbone: FEATURE_KEY } })).toBe(64); // plain + mirrored per face
    // the learning curve: nested, growing parts of the training split, scored on the test split with Wilson intervals
    const lc = m.learningCurve!;
    expect(lc.fractions).toEqual([0.25, 0.5, 0.75, 1]);
    expect(lc.trainFaces.at(-1)).toBe(bySplit.train);
    expect([...lc.trainFaces].sort((a, b) => a - b)).toEqual(lc.trainFaces);
    expect(lc.series[0].key).toBe('test');
    for (const p of lc.series[0].points) {
      expect(p.n).toBe(bySplit.test);
      expect(p.low).toBeLessThanOrEqual(p.accuracy);
      expect(p.high).toBeGreaterThanOrEqual(p.accuracy);
    }
    expect(lc.series[0].points.at(-1)!.accuracy).toBeCloseTo(m.accuracy, 10); // 100% is the run's own head
    expect(typeof lc.series[0].estimate.text).toBe('string');
    // …and GET /api/runs/{id} answers the report, learning curve included, as its description says
    const schemas = new ApiSchemas((await apiDocument()) as unknown as Doc);
    const { modelDir: _modelDir, ...reportRun } = (await runDetail(t.db, run.id))!.run;
    const report = JSON.parse(JSON.stringify({ ...(await runDetail(t.db, run.id))!, run: reportRun }));
    expect(report.metrics.learningCurve.series.length).toBeGreaterThan(0);
    expect(() => schemas.check('GET', `/api/runs/${run.id}`, 200, report)).not.toThrow();
    // by default the head is trained with class × apparent-gender weights, and its bundle says so
    const meta = JSON.parse(fs.readFileSync(`${run.modelDir}/meta.json`, 'utf8'));
    expect(meta.head.weighting).toBe('class+gender');
    const logs = (await t.db.jobLog.findMany({ where: { jobId: job.id } })).map((l) => l.message).join('\n');
    expect(logs).toMatch(/train: class\+gender weights/);
  }, 300_000);

  it('a second run reuses the cached features, keeps the splits, and is compared with the promoted model', async () => {
    const splitsBefore = await t.db.face.findMany({ select: { id: true, split: true }, orderBy: { id: 'asc' } });
    // weighting by photo source too (reads each face's photo batch/source)
    const { job } = await queueRetrain(t.db, null, { seed: 7, config: { maxEpochs: 5, weighting: 'class+gender+source', views: ['lowres', 'mix1'] } });
    await worker().runOnce();
    const run = await t.db.run.findUniqueOrThrow({ where: { jobId: job.id } });
    expect(run.status).toBe('succeeded');
    const logs = (await t.db.jobLog.findMany({ where: { jobId: job.id }, orderBy: { id: 'asc' } })).map((l) => l.message).join('\n');
    expect(logs).toMatch(/features: 0 computed, 32 cached/);
    expect(logs).toMatch(/train: class\+gender\+source weights/);
    // augmented views: computed for the training split's faces only, never for a validation or test face
    const samples = await t.db.runSample.findMany({ where: { runId: run.id }, select: { faceId: true, split: true } });
    const trainIds = new Set(samples.filter((x) => x.split === 'train').map((x) => x.faceId));
    for (const v of ['lowres', 'mix1'] as const) {
      const viewed = await t.db.feature.findMany({ where: { backbone: viewKey('faceres', v, 1337) }, select: { faceId: true } });
      expect(new Set(viewed.map((r) => r.faceId))).toEqual(trainIds);
    }
    expect(JSON.parse(fs.readFileSync(`${run.modelDir}/meta.json`, 'utf8')).head.views).toEqual(['lowres', 'mix1']);
    expect(await t.db.face.findMany({ select: { id: true, split: true }, orderBy: { id: 'asc' } })).toEqual(splitsBefore);
    const m = JSON.parse(run.metrics!) as RunMetrics;
    expect(typeof m.comparison.promotedMacroF1).toBe('number');
    const promoted = await t.db.run.findMany({ where: { promoted: true } });
    expect(promoted.length).toBe(1);
    expect(promoted[0].id === run.id).toBe(m.comparison.promoted);
  }, 300_000);

  // A worker whose job stopped being its own (lease taken over, or cancelled) at the last
  // moment: the step is reached through the job's own progress reports.
  const interruptedAt = (step: string, interrupt: (jobId: string) => Promise<unknown>) =>
    new Worker(t.db, {
      workerId: 'w-interrupted',
      log: () => {},
      handlers: {
        [TRAIN_JOB]: (ctx) =>
          runTrainJob({
            ...ctx,
            progress: async (p) => {
              if ((p as { step?: string }).step === step) await interrupt(ctx.job.id);
              await ctx.progress(p);
            },
          }),
      },
    });

  it('a run on the accurate backbone trains on its own cached features, records its backbone, and is compared with the fast model through the fast features', async () => {
    // Accurate vectors made from each face's cached fast ones (so the job runs no backbone): faceres' block, a
    // noisy copy as faceres-deep's, uniform gear age bins.
    const fast = await t.db.feature.findMany({ where: { backbone: FEATURE_KEY } });
    let noise = 1;
    await t.db.feature.createMany({
      data: fast.map((r) => {
        const v = decodeVector(r.vector);
        const features = new Float32Array(featureDim('faceres+deep'));
        features.set(v.features);
        features.set(v.features.map((x) => x + 0.01 * Math.sin(noise++)), FEATURE_DIM);
        features.fill(1 / GEAR_AGE_BINS, 2 * FEATURE_DIM);
        return { faceId: r.faceId, mirrored: r.mirrored, backbone: featureKey('faceres+deep'), vector: encodeVector({ features, age: v.age, male: v.male }) };
      }),
    });
    const { job } = await queueRetrain(t.db, null, { backbone: 'faceres+deep', config: { maxEpochs: 5 } });
    await worker().runOnce();
    const run = await t.db.run.findUniqueOrThrow({ where: { jobId: job.id } });
    expect(run.status).toBe('succeeded');
    expect(run.backbone).toBe(backboneId('faceres+deep'));
    expect(JSON.parse(run.config).backbone).toBe('faceres+deep');
    const logs = (await t.db.jobLog.findMany({ where: { jobId: job.id }, orderBy: { id: 'asc' } })).map((l) => l.message).join('\n');
    expect(logs).toMatch(/features: 0 computed, 32 cached \(.* backbone faceres\+deep\)/);
    const meta = JSON.parse(fs.readFileSync(`${run.modelDir}/meta.json`, 'utf8'));
    expect(meta.backboneKind).toBe('faceres+deep');
    expect(meta.preprocessing.layout.map((b: { name: string }) => b.name)).toEqual(['faceres', 'faceres-deep', 'gear-age']);
    expect(meta.preprocessing.dim).toBe(featureDim('faceres+deep') + 1);
    // The promoted (fast) model was scored on the same test faces through its own features.
    const m = JSON.parse(run.metrics!) as RunMetrics;
    expect(m.comparison.promotedRunId).not.toBeNull();
    expect(m.comparison.promotedMacroF1).not.toBeNull();
    expect(m.comparison.reason).not.toMatch(/another backbone/);
  }, 300_000);

  it('a job cancelled right before saving saves no model and promotes nothing', async () => {
    const promotedBefore = await t.db.run.findFirstOrThrow({ where: { promoted: true } });
    const foldersBefore = fs.readdirSync(process.env.MASKLAB_MODELS_DIR!).sort();
    const { job } = await queueRetrain(t.db, null, { config: { maxEpochs: 3 } });
    await interruptedAt('save', (id) => t.db.job.update({ where: { id }, data: { cancelRequested: true } })).runOnce();
    expect((await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).status).toBe('cancelled');
    const run = await t.db.run.findUniqueOrThrow({ where: { jobId: job.id } });
    expect(run.status).toBe('cancelled');
    expect(run.modelDir).toBeNull();
    expect(fs.readdirSync(process.env.MASKLAB_MODELS_DIR!).sort()).toEqual(foldersBefore);
    expect((await t.db.run.findFirstOrThrow({ where: { promoted: true } })).id).toBe(promotedBefore.id);
  }, 300_000);

  it('a job whose lease was taken over right before promotion does not promote, and leaves no model folder', async () => {
    // Promotion happens only when the run beats the promoted model: make the promoted one lose.
    await t.db.run.updateMany({ data: { promoted: false } });
    const foldersBefore = fs.readdirSync(process.env.MASKLAB_MODELS_DIR!).sort();
    const { job } = await queueRetrain(t.db, null, { config: { maxEpochs: 3 } });
    await interruptedAt('promote', (id) => t.db.job.update({ where: { id }, data: { lockedBy: 'another-worker' } })).runOnce();
    const run = await t.db.run.findFirstOrThrow({ where: { seed: 1337 }, orderBy: { createdAt: 'desc' } });
    expect(run.status).toBe('failed');
    expect(run.promoted).toBe(false);
    expect(run.modelDir).toBeNull();
    expect(await t.db.run.count({ where: { promoted: true } })).toBe(0);
    expect(fs.readdirSync(process.env.MASKLAB_MODELS_DIR!).sort()).toEqual(foldersBefore);
    // The job is the other worker's now: this one recorded nothing on it.
    const j = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect([j.status, j.lockedBy]).toEqual(['running', 'another-worker']);
  }, 300_000);
});
