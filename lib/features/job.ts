// The "features" job: apparent gender and age (Face.apparentMale / apparentAge) for every face that has
// none, without training. First the cheap part: faces whose backbone features are cached already get
// them from the cached plain vector. Then the rest are embedded through `ensureFeatures` (the retrain
// job's feature step: the features are cached too, so the next retrain reuses them).
// A retried job starts over; both steps only touch faces that still lack the values.
import type { JobContext } from '../queue/worker';
import type { BlobStore } from '../storage';
import { backfillApparent, ensureFeatures, FEATURE_KEY } from './cache';
import { type FeaturesProgress, needsApparent } from './queue';

export { FEATURES_JOB, queueFeatures } from './queue';

const BACKFILL_CHUNK = 500;

export function featuresJobHandler(opts: { store?: BlobStore } = {}) {
  return async function runFeaturesJob(ctx: JobContext): Promise<{ backfilled: number; computed: number }> {
    const { db } = ctx;
    const progress: FeaturesProgress = { step: 'backfill', backfilled: 0, features: { done: 0, total: 0 } };
    await ctx.progress(progress);

    // 1. From cached vectors. Bounded: a vector whose value cannot be stored would otherwise loop.
    const cachedMissing = await db.face.count({ where: { apparentMale: null, features: { some: { backbone: FEATURE_KEY, mirrored: false } } } });
    for (let i = 0; i <= cachedMissing / BACKFILL_CHUNK; i++) {
      const n = await backfillApparent(db, BACKFILL_CHUNK);
      if (n === 0) break;
      progress.backfilled += n;
      await ctx.progress(progress);
      await ctx.checkpoint();
    }
    if (progress.backfilled) await ctx.log(`backfill: apparent gender of ${progress.backfilled} face(s) from cached features`);

    // 2. The backbone for the rest (features cached on the way).
    const ids = (await db.face.findMany({ where: needsApparent, select: { id: true }, orderBy: { id: 'asc' } })).map((f) => f.id);
    Object.assign(progress, { step: 'features', features: { done: 0, total: ids.length } });
    await ctx.progress(progress);
    const t0 = Date.now();
    const r = await ensureFeatures(db, ids, {
      store: opts.store,
      onProgress: async (done, total) => {
        progress.features = { done, total };
        await ctx.progress(progress);
        await ctx.checkpoint();
      },
    });
    // A face with cached features but no apparent values here was cached under another process meanwhile:
    // fill it from its vector.
    progress.backfilled += await backfillApparent(db, BACKFILL_CHUNK);
    await ctx.log(`features: ${r.computed} computed, ${r.cached} cached (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    progress.step = 'done';
    await ctx.progress(progress);
    return { backfilled: progress.backfilled, computed: r.computed };
  };
}
