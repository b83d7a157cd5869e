// The "label-errors" job: out-of-fold probabilities for every labelled face (classes only, not
// excluded, not evaluation-set faces), by k-fold training of the head on the cached features with
// the training recipe (lib/training/cross-validate.ts: the recipe's sample weights, mirrored
// augmentation, early stopping on a validation tenth of each fold's training part, mirror
// test-time averaging; the same procedure `npm run bench -- train` measures), then ranked by
// lib/label-errors/rank.ts and stored in LabelError (one row per face).
import { CLASSES, classIndex } from '../classes';
import { chunks, type Db } from '../db';
import { getTf } from '../models/tf';
import type { JobContext } from '../queue/worker';
import { computeJobFeatures } from '../features/job';
import { loadFeatures } from '../features/cache';
import { canRunChunks, runChunks } from '../queue/chunks';
import { DEFAULT_HEAD } from '../training/head';
import { LABEL_ERRORS_FOLD_JOB, labelErrorsPayloadSchema } from './db';
import { rankLabelErrors, type RankedError } from './rank';
import { foldProbs, outOfFoldProbs } from '../training/cross-validate';

export { LABEL_ERRORS_FOLD_JOB, LABEL_ERRORS_JOB } from './db';

type FoldPayload = { fold: number; folds: number; seed: number; ids: string[]; y: number[] };
type FoldResult = { test: number[]; probs: number[][] };

/**
 * One fold as its own job (a chunk of the label-errors job): the head trained on the other folds, its
 * probabilities for this fold's faces. The faces and labels come in the payload (the parent's snapshot), their
 * features from the cache (the parent computed them).
 */
export async function runLabelErrorsFold(ctx: JobContext): Promise<FoldResult> {
  const { fold, folds, seed, ids, y } = ctx.payload as FoldPayload;
  await ctx.progress({ done: 0, total: 1 });
  const vectors = await loadFeatures(ctx.db, ids);
  const missing = ids.filter((id) => !vectors.has(id));
  if (missing.length) throw new Error(`${missing.length} of the faces have no cached features (deleted meanwhile?)`);
  const tf = await getTf();
  const r = await foldProbs(tf, { pairs: ids.map((id) => vectors.get(id)!), y }, fold, { config: DEFAULT_HEAD, folds, seed });
  await ctx.progress({ done: 1, total: 1 });
  return { test: r.test, probs: r.probs.map((p) => Array.from(p)) };
}

export type LabelErrorsProgress = {
  step: 'faces' | 'features' | 'folds' | 'save' | 'done';
  features?: { done: number; total: number };
  fold?: number;
  folds?: number;
};

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
      for (const chunk of chunks(ids)) {
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
      for (const data of chunks(rows)) await tx.labelError.createMany({ data });
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
  const ids = faces.map((f) => f.id);
  // Fold jobs read the vectors themselves: here they are only computed (and cached) then.
  const foldJobs = canRunChunks(ctx, LABEL_ERRORS_FOLD_JOB);
  await computeJobFeatures(ctx, ids, (features) => report({ features }));

  const t1 = Date.now();
  await report({ step: 'folds', fold: 0, folds: payload.folds });
  let probs: Float32Array[];
  let how = '';
  if (foldJobs) {
    // Each fold a job of its own, which any idle worker takes (this one too): two workers, about half the time.
    const parts = await runChunks<FoldResult>(
      ctx,
      LABEL_ERRORS_FOLD_JOB,
      Array.from({ length: payload.folds }, (_, fold): FoldPayload => ({ fold, folds: payload.folds, seed: payload.seed, ids, y })),
      { step: 'folds', size: () => 1, maxAttempts: 2, onProgress: (p) => report({ fold: p.done }) },
    );
    probs = new Array(faces.length);
    for (const part of parts) part.test.forEach((i, j) => (probs[i] = Float32Array.from(part.probs[j])));
    how = `, ${payload.folds} fold jobs`;
  } else {
    const vectors = await loadFeatures(ctx.db, ids);
    const tf = await getTf();
    probs = await outOfFoldProbs(tf, { pairs: ids.map((id) => vectors.get(id)!), y }, {
      config: DEFAULT_HEAD,
      folds: payload.folds,
      seed: payload.seed,
      onFold: async (fold) => {
        await report({ fold });
        await ctx.checkpoint();
      },
    });
  }
  await ctx.log(`${payload.folds}-fold out-of-fold probabilities for ${faces.length} faces in ${((Date.now() - t1) / 1000).toFixed(1)} s${how}`);

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
