// The "train" job: snapshot → split → features → train → evaluate → save → promote-if-better.
// Runs in the worker (never in a web request). Progress goes to Job.progress, which the
// Training page polls; the run, its frozen snapshot (RunSample) and metrics go to Run.
import fs from 'node:fs';
import { config } from '../config';
import { chunks, type Db } from '../db';
import { CLASSES, classIndex } from '../classes';
import { pinSplits, SPLITS, type SplitName, TRAINABLE } from '../dataset/split';
import { backboneId, type BackboneKind, compatibleKindOf } from '../inference/backbone';
import { classifyFeatures } from '../inference/classify';
import type { HeadConfig } from '../inference/meta';
import type { FeaturePair } from '../inference/types';
import { getTf } from '../models/tf';
import { loadModel, promotedRun, saveModel, sweepTemp } from '../models/registry';
import { promote, PromotionRefused } from './promote';
import { jobFeatures, jobViews } from '../features/job';
import { DEFAULT_SEED } from '../random';
import { buildSeries, CURVE_CAP, curveFractions, curveScore, type LearningCurve, nestedFractions } from './learning-curve';
import { headFor } from './head';
import { buildModelMeta } from './meta';
import { computeMetrics, type Metrics } from './metrics';
import { requireNoEvalDrop } from '../dataset/eval-sets';
import { type EvalComparison, type EvalFace, type EvalSetMetrics, loadEvalSets, promotionDecision, scoreEvalSet, sliceAttributes, testSlices } from './evaluation';
import type { SliceAttrs, Slices } from './slices';
import { trainHead, type EpochStats } from './train-head';
import { fitHead, type Part, samplesOf, subsetPart } from './cross-validate';
import type { JobContext } from '../queue/worker';
import { JobCancelled, JobInterrupted } from '../queue/worker';
import { holdForTest } from '../queue/hold';
import { type RunMetrics, type TrainProgress, trainPayloadSchema } from './queue';
import { appLink, emitEvent, metricsSummary } from '../webhooks/events';

/** Validation faces the learning curve's smaller heads early-stop on, above CURVE_CAP training faces. */
const CURVE_VALID = 5_000;

export { queueRetrain, TRAIN_JOB, trainPayloadSchema, type RunMetrics, type TrainProgress } from './queue';

type Split = Record<SplitName, { ids: string[]; y: number[] }>;

function runFailedData(runId: string, jobId: string, error: string) {
  return { runId, jobId, status: 'failed', error: error.slice(0, 1000), url: appLink(config(), `/training/${runId}`) };
}

/** Where each face's photo came from: its import batch, else its source (upload, import, camera). */
async function photoSources(db: Db, faceIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const ids of chunks(faceIds)) {
    const rows = await db.face.findMany({ where: { id: { in: ids } }, select: { id: true, photo: { select: { source: true, batch: true } } } });
    for (const r of rows) out.set(r.id, r.photo.batch ?? r.photo.source);
  }
  return out;
}

export async function runTrainJob(ctx: JobContext): Promise<{ runId: string; metrics: RunMetrics }> {
  const { db } = ctx;
  const payload = trainPayloadSchema.parse(ctx.payload);
  const kind = payload.backbone;
  const cfg: HeadConfig = { ...headFor(kind), ...payload.config };
  const seed = payload.seed;
  const progress = { step: 'snapshot' } as TrainProgress;
  const report = async (p: Partial<TrainProgress>) => {
    Object.assign(progress, p);
    await ctx.progress(progress);
  };

  // A retried job (its worker died) starts over with a new run; mark the old one failed (run.failed).
  const stale = await db.run.findMany({ where: { jobId: ctx.job.id, status: 'running' }, select: { id: true } });
  for (const s of stale) {
    await db.$transaction(async (tx) => {
      const r = await tx.run.updateMany({ where: { id: s.id, status: 'running' }, data: { status: 'failed', finishedAt: new Date(), jobId: null } });
      if (r.count === 1) await emitEvent(tx, 'run.failed', runFailedData(s.id, ctx.job.id, 'its worker stopped; the job was retried with a new run'));
    });
  }
  const run = await db.run.create({
    data: {
      jobId: ctx.job.id,
      seed,
      backbone: backboneId(kind),
      config: JSON.stringify({ ...cfg, mirrorTta: payload.mirrorTta, backbone: kind }),
      createdById: ctx.job.createdById,
    },
  });
  await report({ step: 'snapshot', runId: run.id });
  let savedDir: string | null = null;
  try {
    // 1–2. split (pin new faces), then freeze the snapshot with each face's split.
    await report({ step: 'split' });
    const placed = await pinSplits(db, { seed });
    await ctx.log(`split: placed ${placed.train + placed.valid + placed.test} new face(s) (train ${placed.train}, valid ${placed.valid}, test ${placed.test})`);
    const faces = await db.face.findMany({
      where: { label: { in: [...CLASSES] }, split: { in: [...SPLITS] }, ...TRAINABLE }, // never an evaluation set's face
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
    await report({ step: 'features' });
    const vectors = await jobFeatures(ctx, faces.map((f) => f.id), (features) => report({ features }), kind);
    const pairsOf = (ids: string[]) => ids.map((id) => vectors.get(id)!);

    // 3b. augmented views of the training split's faces only (never the validation or test split: a face's views
    // stay with it), when the recipe asks for them; cached per (face, backbone, view, view seed).
    const viewNames = cfg.views ?? [];
    const trainViews = viewNames.length
      ? await jobViews(ctx, split.train.ids, (features) => report({ features, message: 'augmented views for training' }), { views: viewNames, seed: cfg.viewSeed ?? DEFAULT_SEED, kind })
      : null;
    const trainPairs = split.train.ids.map((id) => (trainViews ? { ...vectors.get(id)!, views: trainViews.get(id) ?? [] } : vectors.get(id)!));

    // 4. train, early-stopped on the validation split.
    const tf = await getTf();
    // Sample weights (lib/training/weights.ts, applied by trainHead): classes equal and, by default, within a
    // class the backbone's apparent men and women equal (male probability from the cached vectors), so the head
    // learns age rather than gender; with `+source`, also each photo's import batch (else its source) within those.
    const weighting = cfg.weighting ?? 'class';
    const sources = weighting === 'class+gender+source' ? await photoSources(db, [...split.train.ids, ...split.valid.ids]) : null;
    const partOf = (s: { ids: string[]; y: number[] }, pairs = pairsOf(s.ids)): Part => ({ pairs, y: s.y, source: sources ? s.ids.map((id) => sources.get(id) ?? null) : undefined });
    const history: EpochStats[] = [];
    await report({ step: 'train', message: undefined, epoch: 0, maxEpochs: cfg.maxEpochs, history });
    const t1 = Date.now();
    const trained = await trainHead(
      tf,
      {
        train: samplesOf(partOf(split.train, trainPairs), cfg, kind),
        valid: samplesOf(partOf(split.valid), cfg, kind),
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
      backbone: kind,
    });
    const testPairs = pairsOf(split.test.ids);
    const probs = await classifyFeatures(tf, { model: trained.model, meta }, testPairs);
    const metrics = computeMetrics(split.test.y, probs, split.test.ids);
    meta.metrics = metrics;

    // 5b. slices of the test split, and every evaluation set (scored, never trained on).
    const measured = await measureSlicesAndEvalSets(ctx, tf, { model: trained.model, meta }, metrics, vectors, kind);

    // 5c. the learning curve: the same recipe on 25/50/75% of the training split (100% is this run's head).
    await report({ step: 'evaluate', message: 'learning curve' });
    const t2 = Date.now();
    const learningCurve = await measureLearningCurve(tf, {
      train: partOf(split.train, trainPairs),
      valid: partOf(split.valid),
      cfg,
      seed,
      kind,
      mirrorTta: payload.mirrorTta,
      test: { pairs: testPairs, y: split.test.y },
      inputs: measured.inputs,
      full: { test: metrics, evalSets: measured.evalSets },
      checkpoint: ctx.checkpoint,
    });
    await ctx.log(`learning curve: ${((Date.now() - t2) / 1000).toFixed(1)} s; ${learningCurve.series.map((c) => `${c.label}: ${c.estimate.text}`).join('; ')}`);

    // 6. compare with the promoted model on the same test split (and evaluation sets).
    const comparison = await compareWithPromoted(ctx, tf, { metrics, testY: split.test.y, testIds: split.test.ids, testPairs, measured, kind });
    const runMetrics: RunMetrics = { ...metrics, comparison, slices: measured.slices, evalSets: measured.evalSets, learningCurve };

    // 7. save atomically, then record the run; only while the job is still ours (checked in the
    // database right before: a job that lost its lease or was cancelled saves nothing).
    await report({ step: 'save', message: undefined });
    sweepTemp(config().modelsDir, config().workerLeaseMs);
    await ctx.checkpoint();
    savedDir = await saveModel(tf, config().modelsDir, run.id, trained.model, meta);
    trained.model.dispose();
    // A worker killed here leaves a whole model folder no run points to (lib/models/orphans.ts).
    await holdForTest(ctx, 'model-saved');
    // run.finished is queued in the transaction that makes the run final: this one when it is not
    // promoted, else the promotion's (a refused promotion fails the run: run.failed, never both).
    const finished = (promoted: boolean) => ({
      runId: run.id,
      jobId: ctx.job.id,
      status: 'succeeded',
      promoted,
      reason: comparison.reason,
      previousRunId: comparison.promotedRunId,
      metrics: metricsSummary(metrics),
      url: appLink(config(), `/training/${run.id}`),
    });
    const recorded = await db.$transaction(async (tx) => {
      const r = await tx.run.updateMany({
        where: { id: run.id, jobId: ctx.job.id, status: 'running' },
        data: {
          status: 'succeeded',
          metrics: JSON.stringify(runMetrics),
          modelDir: savedDir,
          finishedAt: new Date(),
          history: JSON.stringify(history),
          config: JSON.stringify({ ...cfg, mirrorTta: payload.mirrorTta, backbone: kind, bestEpoch: trained.bestEpoch }),
        },
      });
      if (r.count === 1 && !comparison.promoted) await emitEvent(tx, 'run.finished', finished(false));
      return r;
    });
    // Another worker took the job over meanwhile (it marks this run failed when it starts).
    if (recorded.count !== 1) throw new JobInterrupted('lease lost');
    if (comparison.promoted) {
      await report({ step: 'promote' });
      try {
        // The lease and cancel check happen in the promotion's own transaction.
        await promote(db, run.id, { heldBy: { jobId: ctx.job.id, workerId: ctx.workerId }, inTransaction: (tx) => emitEvent(tx, 'run.finished', finished(true)).then(() => {}) });
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
    const interrupted = err instanceof JobInterrupted;
    // The run's end and its run.failed event in one transaction (a cancelled run sends nothing).
    await db
      .$transaction(async (tx) => {
        await tx.run.update({ where: { id: run.id }, data: interrupted ? { status: 'failed', finishedAt: new Date(), jobId: null } : { status, finishedAt: new Date() } });
        if (status === 'failed') {
          const why = interrupted ? `interrupted (${(err as Error).message}); the job goes back to the queue and starts a new run` : err instanceof Error ? err.message : String(err);
          await emitEvent(tx, 'run.failed', runFailedData(run.id, ctx.job.id, why));
        }
      })
      .catch(() => {});
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation beyond the test split's headline numbers, and the promotion decision.

type Head = Parameters<typeof classifyFeatures>[1];
type Tf = Awaited<ReturnType<typeof getTf>>;
type EvalInput = { name: string; faces: EvalFace[]; pairs: FeaturePair[]; attrs: Map<string, SliceAttrs> };
/** What `measureSlicesAndEvalSets` gives: the test split's slices, each evaluation set's metrics and its inputs. */
type Measured = { slices: Slices; evalSets: Record<string, EvalSetMetrics>; inputs: EvalInput[] };

/** Slices of the test split, then each evaluation set's faces (features computed when missing) scored by the new head. */
async function measureSlicesAndEvalSets(
  ctx: JobContext,
  tf: Tf,
  head: Head,
  metrics: Metrics,
  testVectors: Map<string, FeaturePair>,
  kind: BackboneKind,
): Promise<Measured> {
  const { db } = ctx;
  const predictions = metrics.predictions ?? [];
  const testAttrs = await sliceAttributes(db, predictions.map((p) => p.faceId), (id) => testVectors.get(id)?.plain.male);
  const slices = testSlices(predictions, testAttrs);
  const sets = await loadEvalSets(db);
  const ids = sets.flatMap((s) => s.faces.map((f) => f.id));
  const evalSets: Record<string, EvalSetMetrics> = {};
  const inputs: EvalInput[] = [];
  if (ids.length === 0) return { slices, evalSets, inputs };
  const vectors = await jobFeatures(ctx, ids, async () => {}, kind, 'eval-sets');
  const attrs = await sliceAttributes(db, ids, (id) => vectors.get(id)?.plain.male);
  for (const s of sets) {
    const faces = s.faces.filter((f) => vectors.has(f.id));
    if (!faces.length) continue;
    const pairs = faces.map((f) => vectors.get(f.id)!);
    evalSets[s.name] = scoreEvalSet(faces, await classifyFeatures(tf, head, pairs), attrs);
    inputs.push({ name: s.name, faces, pairs, attrs });
  }
  await ctx.log(
    'evaluation sets: ' +
      Object.entries(evalSets)
        .map(([name, m]) => `${name} ${(100 * m.accuracy).toFixed(1)}% of ${m.n} (${m.kind})`)
        .join(', '),
  );
  return { slices, evalSets, inputs };
}

/**
 * The run's learning curve (lib/training/learning-curve.ts): heads of the same recipe and seed on nested,
 * stratified parts of the training split (the same validation split early-stops each), scored on the test split
 * (4-class accuracy) and each evaluation set (on what it labels); the 100% point is the run's own head.
 */
async function measureLearningCurve(
  tf: Tf,
  d: {
    train: Part;
    valid: Part;
    cfg: HeadConfig;
    seed: number;
    kind: BackboneKind;
    mirrorTta: boolean;
    test: { pairs: FeaturePair[]; y: number[] };
    inputs: EvalInput[];
    full: { test: Metrics; evalSets: Record<string, EvalSetMetrics> };
    checkpoint: () => Promise<void>;
  },
): Promise<LearningCurve> {
  const fractions = curveFractions(d.train.y.length);
  const subsets = nestedFractions(d.train.y, fractions, d.seed);
  // Above CURVE_CAP the smaller heads early-stop on a stratified 5,000 of the validation split: scoring all of it
  // every epoch was half of the curve's time at 200,000 faces, and early stopping needs no more.
  const valid = d.train.y.length > CURVE_CAP && d.valid.y.length > CURVE_VALID ? subsetPart(d.valid, nestedFractions(d.valid.y, [CURVE_VALID / d.valid.y.length], d.seed)[0]) : d.valid;
  const test: ReturnType<typeof curveScore>[] = [];
  const sets = new Map(d.inputs.map((e) => [e.name, [] as ReturnType<typeof curveScore>[]]));
  const score = (accuracy: number, n: number) => curveScore(Math.round(accuracy * n), n);
  for (const [j, idx] of subsets.entries()) {
    if (fractions[j] >= 1) {
      test.push(score(d.full.test.accuracy, d.full.test.n));
      for (const e of d.inputs) sets.get(e.name)!.push(score(d.full.evalSets[e.name].accuracy, d.full.evalSets[e.name].n));
      continue;
    }
    const { head } = await fitHead(tf, subsetPart(d.train, idx), valid, d.cfg, { seed: d.seed, mirrorTta: d.mirrorTta, kind: d.kind });
    try {
      test.push(score(computeMetrics(d.test.y, await classifyFeatures(tf, head, d.test.pairs)).accuracy, d.test.y.length));
      for (const e of d.inputs) sets.get(e.name)!.push(score(scoreEvalSet(e.faces, await classifyFeatures(tf, head, e.pairs), e.attrs).accuracy, e.faces.length));
    } finally {
      head.model.dispose();
    }
    await d.checkpoint();
  }
  const trainFaces = subsets.map((s) => s.length);
  const classes = new Set(d.train.y).size;
  const kindLabel = { class: '4-class accuracy', age: 'age accuracy', mask: 'mask accuracy' } as const;
  return {
    fractions,
    trainFaces,
    classes,
    seed: d.seed,
    model: 'acc = 1 - b*n^-c',
    series: [
      buildSeries({ key: 'test', label: 'test split, 4-class accuracy', metric: '4-class accuracy on the test split', points: test }, trainFaces, classes),
      ...d.inputs.map((e) => {
        const k = kindLabel[d.full.evalSets[e.name].kind];
        return buildSeries({ key: `evalSet:${e.name}`, label: `${e.name}, ${k}`, metric: `${k} on ${e.name}`, points: sets.get(e.name)! }, trainFaces, classes);
      }),
    ],
  };
}

/**
 * Promote when the new head beats the promoted one on macro-F1 over this run's test split; with
 * the setting promotion.requireNoEvalDrop, also not lower than it on any evaluation set.
 */
async function compareWithPromoted(
  ctx: JobContext,
  tf: Tf,
  run: { metrics: Metrics; testY: number[]; testIds: string[]; testPairs: FeaturePair[]; measured: Measured; kind: BackboneKind },
): Promise<RunMetrics['comparison']> {
  const { db } = ctx;
  const { metrics } = run;
  const current = await promotedRun(db);
  if (!current?.modelDir) return { promotedRunId: null, promotedMacroF1: null, promoted: true, reason: 'no model was promoted yet' };
  let old: Head;
  try {
    old = await loadModel(tf, current.modelDir);
  } catch (err) {
    return { promotedRunId: current.id, promotedMacroF1: null, promoted: true, reason: `the promoted model could not be loaded (${(err as Error).message})` };
  }
  try {
    // The promoted model is scored on the same faces through its own backbone (fast vs accurate: features of
    // the other kind are computed for the test split and evaluation sets when missing).
    const oldKind = compatibleKindOf(old.meta);
    if (!oldKind) {
      return { promotedRunId: current.id, promotedMacroF1: null, promoted: true, reason: `the promoted model uses another backbone (${old.meta.backbone})` };
    }
    const same = oldKind === run.kind;
    const evalIds = run.measured.inputs.flatMap((e) => e.faces.map((f) => f.id));
    const other = same ? null : await jobFeatures(ctx, [...run.testIds, ...evalIds], async () => {}, oldKind, 'compare');
    const pairsFor = (ids: readonly string[], own: FeaturePair[]) => (other ? ids.map((id) => other.get(id)!) : own);
    const oldM = computeMetrics(run.testY, await classifyFeatures(tf, old, pairsFor(run.testIds, run.testPairs)));
    const evalRows: EvalComparison[] = [];
    for (const e of run.measured.inputs) {
      const pairs = pairsFor(e.faces.map((f) => f.id), e.pairs);
      const promotedAccuracy = scoreEvalSet(e.faces, await classifyFeatures(tf, old, pairs), e.attrs).accuracy;
      evalRows.push({ name: e.name, accuracy: run.measured.evalSets[e.name].accuracy, promotedAccuracy });
    }
    const decision = promotionDecision({
      macroF1: metrics.macro.f1,
      promotedMacroF1: oldM.macro.f1,
      evalSets: evalRows,
      requireNoEvalDrop: evalRows.length > 0 && (await requireNoEvalDrop(db)),
    });
    return { promotedRunId: current.id, promotedMacroF1: oldM.macro.f1, ...decision, ...(evalRows.length ? { evalSets: evalRows } : {}) };
  } finally {
    old.model.dispose();
  }
}
