// Training benchmark (`npm run bench -- train`):
//  - feature ms/face: decode photo → detect/plan → tensor crop + faceres, plain + mirrored (what a
//    retrain pays per new face: training re-detects nothing, so this is an upper bound);
//  - retrain time on 3,000 cached faces (real feature vectors reused with noise, since the
//    shared data has 414 faces), goal ≤ 20 s;
//  - accuracy by stratified 5-fold cross-validation on ../shared/data/facemask-dev + facemask-extra:
//    in each fold, 10% of the training part is the validation split (early stopping), the
//    held-out fold is the test. Reports 4-class accuracy, macro-F1, mask and age accuracy.
import os from 'node:os';
import type { BenchRow } from './run';
import { photoFeatures, realFaces, type RealFace } from './train-data';
import { CLASSES, classIndex } from '../lib/classes';
import { prng, shuffleInPlace } from '../lib/dataset/split';
import { classifyFeatures, headInput } from '../lib/inference/classify';
import type { HeadConfig } from '../lib/inference/meta';
import type { FeaturePair } from '../lib/inference/types';
import { backendName, getTf } from '../lib/models/tf';
import { FEATURE_KEY } from '../lib/training/features';
import { DEFAULT_HEAD } from '../lib/training/head';
import { buildModelMeta } from '../lib/training/meta';
import { computeMetrics, type Metrics } from '../lib/training/metrics';
import { trainHead } from '../lib/training/train-head';

/** Stratified k folds of indices (seeded). */
export function stratifiedFolds(labels: readonly number[], k: number, seed: number): number[][] {
  const folds: number[][] = Array.from({ length: k }, () => []);
  const rand = prng(seed);
  for (let c = 0; c < CLASSES.length; c++) {
    const idx = shuffleInPlace(
      labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0),
      rand,
    );
    idx.forEach((i, j) => folds[j % k].push(i));
  }
  return folds;
}

const toX = (pairs: readonly FeaturePair[], useAge: boolean, mirrored = false) =>
  pairs.map((p) => {
    const v = mirrored ? p.mirrored! : p.plain;
    return headInput(v.features, v.age, useAge);
  });

export type FoldResult = { valid: Metrics; test: Metrics; epochs: number; ms: number };

/** Trains on train, early-stops on valid, returns valid and test metrics. */
export async function fitAndScore(
  train: { pairs: FeaturePair[]; y: number[] },
  valid: { pairs: FeaturePair[]; y: number[] },
  test: { pairs: FeaturePair[]; y: number[] },
  cfg: HeadConfig,
  opts: { seed: number; tta: boolean },
): Promise<FoldResult> {
  const tf = await getTf();
  const t0 = performance.now();
  const r = await trainHead(
    tf,
    { train: { x: toX(train.pairs, cfg.useAge), xMirror: toX(train.pairs, cfg.useAge, true), y: train.y }, valid: { x: toX(valid.pairs, cfg.useAge), y: valid.y } },
    { config: cfg, seed: opts.seed },
  );
  const ms = performance.now() - t0;
  const meta = buildModelMeta({ runId: 'bench', head: cfg, mirrorTta: opts.tta, bestEpoch: r.bestEpoch, seed: opts.seed, snapshot: { faces: train.y.length, perSplit: {} } });
  const head = { model: r.model, meta };
  const out = {
    valid: computeMetrics(valid.y, await classifyFeatures(tf, head, valid.pairs)),
    test: computeMetrics(test.y, await classifyFeatures(tf, head, test.pairs)),
    epochs: r.history.length,
    ms,
  };
  r.model.dispose();
  return out;
}

export async function crossValidate(faces: readonly RealFace[], cfg: HeadConfig, opts: { folds?: number; seed?: number; tta?: boolean } = {}) {
  const k = opts.folds ?? 5;
  const seed = opts.seed ?? 1337;
  const y = faces.map((f) => classIndex(f.label));
  const folds = stratifiedFolds(y, k, seed);
  const results: FoldResult[] = [];
  for (let f = 0; f < k; f++) {
    const testIdx = folds[f];
    const rest = folds.filter((_, j) => j !== f).flat();
    // 10% of the rest, stratified, for validation (early stopping and model choice).
    const inner = stratifiedFolds(
      rest.map((i) => y[i]),
      10,
      seed + f,
    );
    const validIdx = inner[0].map((j) => rest[j]);
    const validSet = new Set(validIdx);
    const trainIdx = rest.filter((i) => !validSet.has(i));
    const pick = (idx: number[]) => ({ pairs: idx.map((i) => faces[i].pair), y: idx.map((i) => y[i]) });
    results.push(await fitAndScore(pick(trainIdx), pick(validIdx), pick(testIdx), cfg, { seed: seed + f, tta: opts.tta ?? true }));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
  const agg = (get: (m: Metrics) => number, which: 'valid' | 'test') => {
    const xs = results.map((r) => get(r[which]));
    return { mean: mean(xs), sd: sd(xs) };
  };
  // Pooled test metrics over all folds (every face tested once).
  return {
    results,
    test: {
      accuracy: agg((m) => m.accuracy, 'test'),
      macroF1: agg((m) => m.macro.f1, 'test'),
      mask: agg((m) => m.maskAccuracy, 'test'),
      age: agg((m) => m.ageAccuracy, 'test'),
    },
    valid: { accuracy: agg((m) => m.accuracy, 'valid'), macroF1: agg((m) => m.macro.f1, 'valid') },
  };
}

/** 3,000 training faces made from the real vectors plus Gaussian noise (σ relative to the vector's scale). */
export function synthesize(faces: readonly RealFace[], n: number, seed: number): { pairs: FeaturePair[]; y: number[] } {
  const rand = prng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const noisy = (f: Float32Array) => {
    let ss = 0;
    for (const v of f) ss += v * v;
    const s = (0.3 * Math.sqrt(ss)) / Math.sqrt(f.length);
    return f.map((v) => v + s * gauss());
  };
  const pairs: FeaturePair[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const src = faces[i % faces.length];
    pairs.push({
      plain: { ...src.pair.plain, features: noisy(src.pair.plain.features) },
      mirrored: { ...src.pair.mirrored!, features: noisy(src.pair.mirrored!.features) },
    });
    y.push(classIndex(src.label));
  }
  return { pairs, y };
}

export async function bench(): Promise<BenchRow[]> {
  await getTf();
  const backend = await backendName();
  const faces = await realFaces();
  const rows: BenchRow[] = [];

  // Feature cost per face (plain + mirrored), on 24 photos after a warm-up.
  await photoFeatures(faces[0].file);
  const t0 = performance.now();
  for (const f of faces.slice(1, 25)) await photoFeatures(f.file);
  rows.push({ benchmark: 'train: features (plain + mirrored)', value: (performance.now() - t0) / 24, unit: 'ms/face', note: `${backend}, ${FEATURE_KEY}, load avg ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs` });

  // Retrain on 3,000 cached faces (2,700 train + 300 valid, default head).
  const train = synthesize(faces, 2700, 1);
  const valid = synthesize(faces, 300, 2);
  const t1 = performance.now();
  const r = await fitAndScore(train, valid, valid, DEFAULT_HEAD, { seed: 1, tta: true });
  rows.push({
    benchmark: 'train: retrain on 3,000 cached faces',
    value: (performance.now() - t1) / 1000,
    unit: 's',
    goal: '≤ 20',
    note: `${r.epochs} epochs, hidden ${DEFAULT_HEAD.hidden}, ${backend}, load avg ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`,
  });

  // 5-fold CV on the real faces.
  const cv = await crossValidate(faces, DEFAULT_HEAD, { folds: 5, seed: 1337, tta: true });
  const pct = (m: { mean: number; sd: number }) => `${(100 * m.mean).toFixed(1)} ± ${(100 * m.sd).toFixed(1)}`;
  const note = `${faces.length} faces (dev + extra), 5 folds, mirrored TTA`;
  rows.push({ benchmark: 'train: CV 4-class accuracy', value: pct(cv.test.accuracy), unit: '%', goal: '≥ 93', note });
  rows.push({ benchmark: 'train: CV macro-F1', value: pct(cv.test.macroF1), unit: '%', note });
  rows.push({ benchmark: 'train: CV mask accuracy', value: pct(cv.test.mask), unit: '%', goal: '≥ 98.7', note });
  rows.push({ benchmark: 'train: CV age accuracy', value: pct(cv.test.age), unit: '%', goal: '≥ 93', note });
  return rows;
}

if (require.main === module) {
  bench().then((rows) => console.table(rows));
}
