// Cross-validation on cached features: stratified seeded folds, each fold's training part minus a
// stratified tenth that early-stops the head (as the validation split does in a retrain), and the
// head fitted with the training recipe (`samplesOf`: plain + mirrored inputs, the recipe's sample
// weights). The label-error finder's out-of-fold probabilities and `npm run bench -- train` both
// use this one procedure, so what the bench measures is what the finder runs.
import { CLASSES } from '../classes';
import { prng, shuffleInPlace } from '../random';
import { type BackboneKind, DEFAULT_BACKBONE, featureLayout } from '../inference/backbone';
import { classifyFeatures, headInput, type LoadedHead } from '../inference/classify';
import type { HeadConfig } from '../inference/meta';
import type { FeaturePair, Tf } from '../inference/types';
import { buildModelMeta } from './meta';
import { type Samples, trainHead, type TrainResult } from './train-head';

/**
 * Stratified k folds of indices, seeded: each class's indices shuffled and dealt round-robin, so
 * every fold holds about 1/k of every class. `labels[i]` is a class index.
 */
export function stratifiedFolds(labels: readonly number[], k: number, seed: number): number[][] {
  const folds: number[][] = Array.from({ length: k }, () => []);
  const rand = prng(seed);
  let next = 0; // continue dealing where the previous class stopped, so fold sizes stay even
  for (let c = 0; c < CLASSES.length; c++) {
    const idx = shuffleInPlace(
      labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0),
      rand,
    );
    for (const i of idx) folds[next++ % k].push(i);
  }
  return folds;
}

export type Fold = { train: number[]; valid: number[]; test: number[] };

/**
 * k folds, each with its test indices and the rest split into train and a stratified validation
 * tenth (seeded by `seed + fold`). With fewer than `minForValid` faces in the rest there is no
 * validation part: the head trains on all of it for the configured epochs.
 */
export function cvFolds(y: readonly number[], k: number, seed: number, opts: { minForValid?: number } = {}): Fold[] {
  const folds = stratifiedFolds(y, k, seed);
  return folds.map((test, f) => {
    const rest = folds.filter((_, j) => j !== f).flat();
    const inner = stratifiedFolds(
      rest.map((i) => y[i]),
      10,
      seed + f,
    );
    const valid = rest.length >= (opts.minForValid ?? 0) ? inner[0].map((j) => rest[j]) : [];
    const validSet = new Set(valid);
    return { train: rest.filter((i) => !validSet.has(i)), valid, test };
  });
}

/** Faces for the head: their cached vectors, class indices and, for `class+gender+source` weights, their sources. */
export type Part = { pairs: readonly FeaturePair[]; y: readonly number[]; source?: readonly (string | null)[] };

/** The faces of `part` at `idx`, in that order (pairs, labels and sources alike). */
export const subsetPart = (part: Part, idx: readonly number[]): Part => ({
  pairs: idx.map((i) => part.pairs[i]),
  y: idx.map((i) => part.y[i]),
  source: part.source && idx.map((i) => part.source![i]),
});

/**
 * The head's samples of a part: inputs of the plain and mirrored vectors, each face's augmented views when its pair
 * has them (only training parts get views: validation and test faces are scored on their plain crops), and what
 * the recipe's weights need.
 */
export function samplesOf(part: Part, cfg: Pick<HeadConfig, 'useAge'>, kind: BackboneKind = DEFAULT_BACKBONE): Samples {
  const layout = featureLayout(kind);
  const input = (mirrored: boolean) =>
    part.pairs.map((p) => {
      const v = mirrored ? (p.mirrored ?? p.plain) : p.plain;
      return headInput(v.features, v.age, cfg.useAge, layout);
    });
  const views = part.pairs.some((p) => p.views?.length)
    ? part.pairs.map((p) => (p.views ?? []).map((v) => headInput(v.features, v.age, cfg.useAge, layout)))
    : undefined;
  return { x: input(false), xMirror: input(true), xViews: views, y: part.y, male: part.pairs.map((p) => p.plain.male), source: part.source };
}

/** Trains a head on `train`, early-stopped on `valid`, and returns it ready for `classifyFeatures`. */
export async function fitHead(
  tf: Tf,
  train: Part,
  valid: Part,
  cfg: HeadConfig,
  opts: { seed: number; mirrorTta: boolean; kind?: BackboneKind },
): Promise<{ head: LoadedHead; trained: TrainResult }> {
  const kind = opts.kind ?? DEFAULT_BACKBONE;
  const trained = await trainHead(tf, { train: samplesOf(train, cfg, kind), valid: samplesOf(valid, cfg, kind) }, { config: cfg, seed: opts.seed });
  const meta = buildModelMeta({
    runId: 'cv',
    head: cfg,
    mirrorTta: opts.mirrorTta,
    bestEpoch: trained.bestEpoch,
    seed: opts.seed,
    snapshot: { faces: train.y.length, perSplit: {} },
    backbone: kind,
  });
  return { head: { model: trained.model, meta, runId: 'cv' }, trained };
}

type FoldOptions = { folds?: number; seed?: number; config: HeadConfig; mirrorTta?: boolean; kind?: BackboneKind };

/**
 * Fold `f` of `outOfFoldProbs`: the head trained on the other folds (early-stopped on a validation part of them),
 * its probabilities for this fold's faces (`test`: their indices in `part`). Deterministic for (part, folds, seed),
 * so workers can run the folds apart and agree with one process running them all.
 */
export async function foldProbs(tf: Tf, part: Part, f: number, opts: FoldOptions): Promise<{ test: number[]; probs: Float32Array[] }> {
  const k = opts.folds ?? 5;
  const seed = opts.seed ?? 1337;
  const fold = cvFolds(part.y, k, seed, { minForValid: 20 })[f];
  if (!fold) throw new Error(`no fold ${f} of ${k}`);
  if (fold.test.length === 0) return { test: [], probs: [] };
  const { head } = await fitHead(tf, subsetPart(part, fold.train), subsetPart(part, fold.valid), opts.config, { seed: seed + f, mirrorTta: opts.mirrorTta ?? true, kind: opts.kind });
  try {
    return { test: fold.test, probs: await classifyFeatures(tf, head, fold.test.map((i) => part.pairs[i])) };
  } finally {
    head.model.dispose();
  }
}

/**
 * Out-of-fold class probabilities: each face is scored by a head trained without it (k stratified,
 * seeded folds; a stratified tenth of each fold's training part early-stops it).
 */
export async function outOfFoldProbs(tf: Tf, part: Part, opts: FoldOptions & { onFold?: (fold: number) => Promise<void> | void }): Promise<Float32Array[]> {
  const k = opts.folds ?? 5;
  const out: Float32Array[] = new Array(part.y.length);
  for (let f = 0; f < k; f++) {
    const { test, probs } = await foldProbs(tf, part, f, opts);
    test.forEach((i, j) => (out[i] = probs[j]));
    await opts.onFold?.(f + 1);
  }
  return out;
}
