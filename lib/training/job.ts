// The "train" job: snapshot → split → features → train → evaluate → save → promote-if-better.
// Runs in the worker (never in a web request). Progress goes to Job.progress, which the
// Training page polls; the run, its frozen snapshot (RunSample) and metrics go to Run.
import fs from 'node:fs';
import { config } from '../config';
import type { Db } from '../db';
import { CLASSES, classIndex } from '../classes';
import { pinSplits, SPLITS, type SplitName } from '../dataset/split';
import { BACKBONE_ID } from '../inference/backbone';
import { classifyFeatures, headInput } from '../inference/classify';
import type { HeadConfig } from '../inference/meta';
import type { FeaturePair } from '../inference/types';
import { getTf } from '../models/tf';
import { loadModel, promote, promotedRun, PromotionRefused, saveModel, sweepTemp } from '../models/registry';
import { ensureFeatures, loadFeatures } from './features';
import { DEFAULT_HEAD } from './head';
import { buildModelMeta } from './meta';
import { computeMetrics } from './metrics';
import { trainHead, type EpochStats } from './train-head';
import { sampleWeights } from './weights';
import type { JobContext } from '../queue/worker';
import { JobCancelled, JobInterrupted } from '../queue/worker';
import { type RunMetrics, type TrainProgress, trainPayloadSchema } from './queue';

export { queueRetrain, TRAIN_JOB, trainPayloadSchema, type RunMetrics, type TrainProgress } from './queue';

type Split = Record<SplitName, { ids: string[]; y: number[] }>;

/** Where each face's photo came from: its import batch, else its source (upload, import, camera). */
async function photoSources(db: Db, faceIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < faceIds.length; i += 1000) {
    const rows = await db.face.findMany({ where: { id: { in: faceIds.slice(i, i + 1000) } }, select: { id: true, photo: { select: { source: true, batch: true } } } });
    for (const r of rows) out.set(r.id, r.photo.batch ?? r.photo.source);
  }
  return out;
}

export async function runTrainJob(ctx: JobContext): Promise<{ runId: string; metrics: RunMetrics }> {
  const { db } = ctx;
  const payload = trainPayloadSchema.parse(ctx.payload);
  const cfg: HeadConfig = { ...DEFAULT_HEAD, ...payload.config };
  const seed = payload.seed;
  const progress = { step: 'snapshot' } as TrainProgress;
  const report = async (p: Partial<TrainProgress>) => {
    Object.assign(progress, p);
    await ctx.progress(progress);
  };

  // A retried job (its worker died) starts over with a new run; mark the old one failed.
  await db.run.updateMany({ where: { jobId: ctx.job.id, status: 'running' }, data: { status: 'failed', finishedAt: new Date(), jobId: null } });
  const run = await db.run.create({
    data: { jobId: ctx.job.id, seed, backbone: BACKBONE_ID, config: JSON.stringify({ ...cfg, mirrorTta: payload.mirrorTta }), createdById: ctx.job.createdById },
  });
  await report({ step: 'snapshot', runId: run.id });
  let savedDir: string | null = null;
  try {
    // 1–2. split (pin new faces), then freeze the snapshot with each face's split.
    await report({ step: 'split' });
    const placed = await pinSplits(db, { seed });
    await ctx.log(`split: placed ${placed.train + placed.valid + placed.test} new face(s) (train ${placed.train}, valid ${placed.valid}, test ${placed.test})`);
    const faces = await db.face.findMany({
      where: { label: { in: [...CLASSES] }, split: { in: [...SPLITS] } },
      select: { id: true, label: true, split: true },
      orderBy: { id: 'asc' },
    });
    const split: Split = { train: { ids: [], y: [] }, valid: { ids: [], y: [] }, test: { ids: [], y: [] } };
    for (const f of faces) {
      split[f.split as SplitName].ids.push(f.id);
      split[f.split as SplitName].y.push(classIndex(f.label!));
    }
    const perSplit = Object.fromEntries(SPLITS.map((s) => [s, split[s].ids.length]));
    await ctx.log(`snapshot: ${faces.length} labelled faces (train ${perSplit.train}, valid ${perSplit.valid}, test ${perSplit.test})`);
    if (split.train.ids.length < 4 || split.test.ids.length === 0) {
      throw new Error(`not enough labelled faces to train and test (train ${perSplit.train}, test ${perSplit.test}); label more faces first`);
    }
    for (let i = 0; i < faces.length; i += 500) {
      await db.runSample.createMany({
        data: faces.slice(i, i + 500).map((f) => ({ runId: run.id, faceId: f.id, label: f.label!, split: f.split! })),
      });
    }
    await ctx.checkpoint();

    // 3. features (only the faces that have none for this backbone).
    await report({ step: 'features', features: { done: 0, total: 0 } });
    await getTf();
    const t0 = Date.now();
    const feat = await ensureFeatures(
      db,
      faces.map((f) => f.id),
      {
        onProgress: async (done, total) => {
          await report({ features: { done, total } });
          await ctx.checkpoint();
        },
      },
    );
    await ctx.log(`features: ${feat.computed} computed, ${feat.cached} cached (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const vectors = await loadFeatures(db, faces.map((f) => f.id));
    const pairsOf = (ids: string[]) => ids.map((id) => vectors.get(id)!);

    // 4. train, early-stopped on the validation split.
    const tf = await getTf();
    const toX = (pairs: FeaturePair[], mirrored = false) =>
      pairs.map((p) => {
        const v = mirrored ? (p.mirrored ?? p.plain) : p.plain;
        return headInput(v.features, v.age, cfg.useAge);
      });
    const trainPairs = pairsOf(split.train.ids);
    const validPairs = pairsOf(split.valid.ids);
    // Sample weights (lib/training/weights.ts): classes equal and, by default, within a class the backbone's
    // apparent men and women equal (male probability from the cached vectors), so the head learns age rather
    // than gender; with `+source`, also each photo's import batch (else its source) within those.
    const weighting = cfg.weighting ?? 'class';
    const sources = weighting === 'class+gender+source' ? await photoSources(db, [...split.train.ids, ...split.valid.ids]) : null;
    const weightsOf = (s: { ids: string[]; y: number[] }, pairs: FeaturePair[]) =>
      sampleWeights(
        s.y.map((y, i) => ({ y, male: pairs[i].plain.male, source: sources?.get(s.ids[i]) ?? null })),
        weighting,
      );
    const history: EpochStats[] = [];
    await report({ step: 'train', epoch: 0, maxEpochs: cfg.maxEpochs, history });
    const t1 = Date.now();
    const trained = await trainHead(
      tf,
      {
        train: { x: toX(trainPairs), xMirror: toX(trainPairs, true), y: split.train.y, w: weightsOf(split.train, trainPairs) },
        valid: { x: toX(validPairs), y: split.valid.y, w: weightsOf(split.valid, validPairs) },
      },
      {
        config: cfg,
        seed,
        onEpoch: async (s) => {
          history.push(s);
          await db.run.update({ where: { id: run.id }, data: { history: JSON.stringify(history) } });
          await report({ epoch: s.epoch, history });
          await ctx.checkpoint();
        },
      },
    );
    await ctx.log(`train: ${weighting} weights, ${history.length} epochs in ${((Date.now() - t1) / 1000).toFixed(1)} s, best epoch ${trained.bestEpoch}`);

    // 5. evaluate on the test split.
    await report({ step: 'evaluate' });
    const meta = buildModelMeta({
      runId: run.id,
      head: cfg,
      mirrorTta: payload.mirrorTta,
      bestEpoch: trained.bestEpoch,
      seed,
      snapshot: { faces: faces.length, perSplit },
      createdBy: ctx.job.createdById,
    });
    const testPairs = pairsOf(split.test.ids);
    const probs = await classifyFeatures(tf, { model: trained.model, meta }, testPairs);
    const metrics = computeMetrics(split.test.y, probs, split.test.ids);
    meta.metrics = metrics;

    // 6. compare with the promoted model on the same test split.
    const current = await promotedRun(db);
    let comparison: RunMetrics['comparison'] = { promotedRunId: null, promotedMacroF1: null, promoted: true, reason: 'no model was promoted yet' };
    if (current?.modelDir) {
      try {
        const old = await loadModel(tf, current.modelDir);
        if (old.meta.backbone !== BACKBONE_ID) {
          comparison = { promotedRunId: current.id, promotedMacroF1: null, promoted: true, reason: `the promoted model uses another backbone (${old.meta.backbone})` };
        } else {
          const oldM = computeMetrics(split.test.y, await classifyFeatures(tf, old, testPairs));
          old.model.dispose();
          const better = metrics.macro.f1 > oldM.macro.f1;
          comparison = {
            promotedRunId: current.id,
            promotedMacroF1: oldM.macro.f1,
            promoted: better,
            reason: better
              ? `test macro-F1 ${metrics.macro.f1.toFixed(3)} beats the promoted model's ${oldM.macro.f1.toFixed(3)} on the same test split`
              : `test macro-F1 ${metrics.macro.f1.toFixed(3)} does not beat the promoted model's ${oldM.macro.f1.toFixed(3)}`,
          };
        }
      } catch (err) {
        comparison = { promotedRunId: current.id, promotedMacroF1: null, promoted: true, reason: `the promoted model could not be loaded (${(err as Error).message})` };
      }
    }
    const runMetrics: RunMetrics = { ...metrics, comparison };

    // 7. save atomically, then record the run; only while the job is still ours (checked in the
    // database right before: a job that lost its lease or was cancelled saves nothing).
    await report({ step: 'save' });
    sweepTemp(config().modelsDir, config().workerLeaseMs);
    await ctx.checkpoint();
    savedDir = await saveModel(tf, config().modelsDir, run.id, trained.model, meta);
    trained.model.dispose();
    const recorded = await db.run.updateMany({
      where: { id: run.id, jobId: ctx.job.id, status: 'running' },
      data: {
        status: 'succeeded',
        metrics: JSON.stringify(runMetrics),
        modelDir: savedDir,
        finishedAt: new Date(),
        history: JSON.stringify(history),
        config: JSON.stringify({ ...cfg, mirrorTta: payload.mirrorTta, bestEpoch: trained.bestEpoch }),
      },
    });
    // Another worker took the job over meanwhile (it marks this run failed when it starts).
    if (recorded.count !== 1) throw new JobInterrupted('lease lost');
    if (comparison.promoted) {
      await report({ step: 'promote' });
      try {
        // The lease and cancel check happen in the promotion's own transaction.
        await promote(db, run.id, { heldBy: { jobId: ctx.job.id, workerId: ctx.workerId } });
      } catch (err) {
        if (!(err instanceof PromotionRefused)) throw err;
        await ctx.checkpoint(); // throws JobCancelled or JobInterrupted, whichever it was
        throw err;
      }
    }
    await ctx.log(`${comparison.promoted ? 'promoted' : 'not promoted'}: ${comparison.reason}`);
    await report({ step: 'done' });
    return { runId: run.id, metrics: runMetrics };
  } catch (err) {
    if (savedDir && (err instanceof JobCancelled || err instanceof JobInterrupted || err instanceof PromotionRefused)) {
      // Saved, but the job stopped being ours before the promotion: no model of a run that
      // did not finish stays behind.
      fs.rmSync(savedDir, { recursive: true, force: true });
      await db.run.update({ where: { id: run.id }, data: { modelDir: null } }).catch(() => {});
    }
    const status = err instanceof JobCancelled ? 'cancelled' : 'failed';
    if (!(err instanceof JobInterrupted)) {
      await db.run.update({ where: { id: run.id }, data: { status, finishedAt: new Date() } }).catch(() => {});
    } else {
      await db.run.update({ where: { id: run.id }, data: { status: 'failed', finishedAt: new Date(), jobId: null } }).catch(() => {});
    }
    throw err;
  }
}
