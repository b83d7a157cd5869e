// The "label-errors" job: out-of-fold probabilities for every labelled face (classes only, not
// excluded, not evaluation-set faces), by k-fold training of the head on the cached features with
// the training recipe (trainHead, headInput, mirrored augmentation, early stopping on a validation
// tenth of each fold's training part, mirror test-time averaging), then ranked by
// lib/label-errors/rank.ts and stored in LabelError (one row per face).
import { CLASSES, classIndex } from '../classes';
import type { Db } from '../db';
import { classifyFeatures, headInput } from '../inference/classify';
import type { HeadConfig } from '../inference/meta';
import type { FeaturePair, Tf } from '../inference/types';
import { getTf } from '../models/tf';
import type { JobContext } from '../queue/worker';
import { jobFeatures } from '../features/cache';
import { DEFAULT_HEAD } from '../training/head';
import { labelErrorsPayloadSchema } from './db';
import { rankLabelErrors, type RankedError, stratifiedFolds } from './rank';
import { buildModelMeta } from '../training/meta';
import { trainHead } from '../training/train-head';

export { LABEL_ERRORS_JOB } from './db';

export type LabelErrorsProgress = {
  step: 'faces' | 'features' | 'folds' | 'save' | 'done';
  features?: { done: number; total: number };
  fold?: number;
  folds?: number;
};

const toX = (pairs: readonly FeaturePair[], useAge: boolean, mirrored = false) =>
  pairs.map((p) => {
    const v = mirrored ? (p.mirrored ?? p.plain) : p.plain;
    return headInput(v.features, v.age, useAge);
  });

/**
 * Out-of-fold class probabilities: each face is scored by a head trained without it (k stratified,
 * seeded folds; a stratified tenth of each fold's training part early-stops it, as the validation
 * split does in training).
 */
export async function outOfFoldProbs(
  tf: Tf,
  pairs: readonly FeaturePair[],
  y: readonly number[],
  opts: { folds?: number; seed?: number; config?: HeadConfig; mirrorTta?: boolean; onFold?: (fold: number) => Promise<void> | void } = {},
): Promise<Float32Array[]> {
  const k = opts.folds ?? 5;
  const seed = opts.seed ?? 1337;
  const cfg = opts.config ?? DEFAULT_HEAD;
  const out: Float32Array[] = new Array(pairs.length);
  const folds = stratifiedFolds(y, k, seed);
  for (let f = 0; f < k; f++) {
    const held = folds[f];
    if (held.length === 0) continue;
    const rest = folds.filter((_, j) => j !== f).flat();
    const inner = stratifiedFolds(
      rest.map((i) => y[i]),
      10,
      seed + f,
    );
    // Too few faces for a validation tenth: train on all of the rest for the configured epochs.
    const validIdx = rest.length >= 20 ? inner[0].map((j) => rest[j]) : [];
    const validSet = new Set(validIdx);
    const trainIdx = rest.filter((i) => !validSet.has(i));
    const trainPairs = trainIdx.map((i) => pairs[i]);
    const validPairs = validIdx.map((i) => pairs[i]);
    const trained = await trainHead(
      tf,
      {
        train: { x: toX(trainPairs, cfg.useAge), xMirror: toX(trainPairs, cfg.useAge, true), y: trainIdx.map((i) => y[i]) },
        valid: { x: toX(validPairs, cfg.useAge), y: validIdx.map((i) => y[i]) },
      },
      { config: cfg, seed: seed + f },
    );
    const meta = buildModelMeta({ runId: 'label-errors', head: cfg, mirrorTta: opts.mirrorTta ?? true, bestEpoch: trained.bestEpoch, seed: seed + f, snapshot: { faces: trainIdx.length, perSplit: {} } });
    const probs = await classifyFeatures(tf, { model: trained.model, meta }, held.map((i) => pairs[i]));
    trained.model.dispose();
    held.forEach((i, j) => (out[i] = probs[j]));
    await opts.onFold?.(f + 1);
  }
  return out;
}

/**
 * Stores the ranking: one row per face; a face whose label is unchanged keeps its "kept" mark; rows
 * of faces no longer ranked go. A face relabelled while the job ran is left out (its label changed).
 */
export async function saveLabelErrors(db: Db, ranked: readonly (RankedError & { probs: ArrayLike<number> })[]): Promise<number> {
  return db.$transaction(
    async (tx) => {
      const ids = ranked.map((r) => r.faceId);
      const current = new Map<string, string | null>();
      const old = new Map<string, { label: string; keptById: string | null; keptAt: Date | null }>();
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        for (const f of await tx.face.findMany({ where: { id: { in: chunk } }, select: { id: true, label: true } })) current.set(f.id, f.label);
        for (const e of await tx.labelError.findMany({ where: { faceId: { in: chunk } }, select: { faceId: true, label: true, keptById: true, keptAt: true } })) old.set(e.faceId, e);
      }
      const now = new Date();
      const rows = ranked
        .filter((r) => current.get(r.faceId) === CLASSES[r.label])
        .map((r) => {
          const label = CLASSES[r.label];
          const prev = old.get(r.faceId);
          const kept = prev && prev.label === label ? { keptById: prev.keptById, keptAt: prev.keptAt } : { keptById: null, keptAt: null };
          return {
            faceId: r.faceId,
            label,
            suggested: CLASSES[r.suggested],
            score: r.score,
            probs: JSON.stringify(Array.from(r.probs, (p) => Math.round(p * 1e4) / 1e4)),
            ...kept,
            computedAt: now,
          };
        });
      await tx.labelError.deleteMany({});
      for (let i = 0; i < rows.length; i += 500) await tx.labelError.createMany({ data: rows.slice(i, i + 500) });
      return rows.length;
    },
    { timeout: 120_000 },
  );
}

export async function runLabelErrorsJob(ctx: JobContext): Promise<{ faces: number; stored: number; top: { faceId: string; score: number }[] }> {
  const { db } = ctx;
  const payload = labelErrorsPayloadSchema.parse(ctx.payload ?? {});
  const progress: LabelErrorsProgress = { step: 'faces' };
  const report = async (p: Partial<LabelErrorsProgress>) => {
    Object.assign(progress, p);
    await ctx.progress(progress);
  };
  await report({});
  const faces = await db.face.findMany({
    where: { label: { in: [...CLASSES] }, photo: { evalSetId: null } },
    select: { id: true, label: true },
    orderBy: { id: 'asc' },
  });
  const y = faces.map((f) => classIndex(f.label!));
  const present = new Set(y).size;
  if (faces.length < 2 * payload.folds || present < 2) {
    throw new Error(`not enough labelled faces to cross-validate (${faces.length} faces in ${present} classes; need ${2 * payload.folds} in 2 or more)`);
  }
  await report({ step: 'features' });
  const vectors = await jobFeatures(ctx, faces.map((f) => f.id), (features) => report({ features }));
  const pairs = faces.map((f) => vectors.get(f.id)!);

  const tf = await getTf();
  const t1 = Date.now();
  await report({ step: 'folds', fold: 0, folds: payload.folds });
  const probs = await outOfFoldProbs(tf, pairs, y, {
    folds: payload.folds,
    seed: payload.seed,
    onFold: async (fold) => {
      await report({ fold });
      await ctx.checkpoint();
    },
  });
  await ctx.log(`${payload.folds}-fold out-of-fold probabilities for ${faces.length} faces in ${((Date.now() - t1) / 1000).toFixed(1)} s`);

  await report({ step: 'save' });
  await ctx.checkpoint();
  const ranked = rankLabelErrors(faces.map((f, i) => ({ faceId: f.id, label: y[i], probs: probs[i] })));
  const byId = new Map(faces.map((f, i) => [f.id, probs[i]]));
  const stored = await saveLabelErrors(
    db,
    ranked.map((r) => ({ ...r, probs: byId.get(r.faceId)! })),
  );
  await report({ step: 'done' });
  return { faces: faces.length, stored, top: ranked.slice(0, 10).map((r) => ({ faceId: r.faceId, score: r.score })) };
}
