// The "features" job: apparent gender and age (Face.apparentMale / apparentAge) for every face that has
// none, without training. First the cheap part: faces whose backbone features are cached already get
// them from the cached plain vector. Then the rest are embedded through `ensureFeatures` (the retrain
// job's feature step: the features are cached too, so the next retrain reuses them).
// A retried job starts over; both steps only touch faces that still lack the values.
import { chunks } from '../db';
import type { JobContext } from '../queue/worker';
import type { BlobStore } from '../storage';
import { canRunChunks, chunkFaces, chunkSize, runChunks } from '../queue/chunks';
import { type BackboneKind, DEFAULT_BACKBONE } from '../inference/backbone';
import type { FeaturePair, FeatureVector } from '../inference/types';
import { getTf } from '../models/tf';
import { backfillApparent, ensureFeatures, FEATURE_KEY, lackingFeatures, loadFeatures } from './cache';
import { FEATURES_CHUNK_JOB, FEATURES_JOB, type FeaturesProgress, needsApparent, VIEWS_CHUNK_JOB } from './queue';
import { ensureViews, loadViews, type ViewName, viewsLacking } from './views';

export { FEATURES_CHUNK_JOB, FEATURES_JOB, queueFeatures, VIEWS_CHUNK_JOB } from './queue';

type FeaturesChunkResult = { computed: number; cached: number };

/**
 * A chunk's work on the faces of `ids` that still exist (faces deleted since the job began are no work), with
 * progress `{ done, total }` over all of `ids` and a cancel/lease check after each batch.
 */
async function onLiveFaces<R>(ctx: JobContext, ids: readonly string[], work: (live: string[], onProgress: (done: number) => Promise<void>) => Promise<R>): Promise<R> {
  const total = ids.length;
  await ctx.progress({ done: 0, total });
  const live: string[] = [];
  for (const part of chunks(ids)) live.push(...(await ctx.db.face.findMany({ where: { id: { in: part } }, select: { id: true } })).map((r) => r.id));
  const r = await work(live, async (done) => {
    await ctx.progress({ done: done + (total - live.length), total });
    await ctx.checkpoint();
  });
  await ctx.progress({ done: total, total });
  return r;
}

/**
 * One chunk of features (of a features job, or of another job's feature step): the faces' features of
 * `kind` (default faceres), cached, and their apparent gender/age.
 */
export function featuresChunkHandler(opts: { store?: BlobStore } = {}) {
  return async function runFeaturesChunk(ctx: JobContext): Promise<FeaturesChunkResult> {
    const { ids, kind } = ctx.payload as { ids: string[]; kind?: BackboneKind };
    return onLiveFaces(ctx, ids, (live, onProgress) => ensureFeatures(ctx.db, live, { store: opts.store, kind: kind ?? DEFAULT_BACKBONE, onProgress }));
  };
}

/** One chunk of a retrain's augmented views: the faces' missing views, cached. */
export function viewsChunkHandler(opts: { store?: BlobStore } = {}) {
  return async function runViewsChunk(ctx: JobContext): Promise<{ computed: number }> {
    const { ids, views, seed, kind } = ctx.payload as { ids: string[]; views: ViewName[]; seed: number; kind: BackboneKind };
    const r = await onLiveFaces(ctx, ids, (live, onProgress) => ensureViews(ctx.db, live, { views, seed, kind, store: opts.store, onProgress }));
    return { computed: r.computed };
  };
}

/** Below this many faces to embed, a job's feature step runs in its own worker: chunks would cost more than they share. */
export const MIN_CHUNKED_FACES = 64;

type FeatureStepContext = Pick<JobContext, 'db' | 'log' | 'checkpoint'> & Partial<JobContext>;

/**
 * A background job's feature step (retrain, label errors, the dataset map, suggestions): computes the
 * faces' missing features of `kind`, logs what it did, and returns every face's vectors. Many missing
 * faces are split into `features-chunk` jobs that any idle worker takes (this one too, so one worker
 * alone still does them all); a few, or a worker without the chunk handler, compute them here.
 * `step` names this feature step among the job's others (a retried job finds its chunks again).
 * Progress through `report` (faces done of those missing); a cancel/lease check between batches.
 */
export async function jobFeatures(
  ctx: FeatureStepContext,
  faceIds: readonly string[],
  report: (features: { done: number; total: number }) => Promise<void>,
  kind: BackboneKind = DEFAULT_BACKBONE,
  step = 'features',
): Promise<Map<string, FeaturePair>> {
  await computeJobFeatures(ctx, faceIds, report, kind, step);
  return loadFeatures(ctx.db, faceIds, kind);
}

/** `jobFeatures` without loading the vectors afterwards (a job that reads them in batches itself): faces computed and cached. */
export async function computeJobFeatures(
  ctx: FeatureStepContext,
  faceIds: readonly string[],
  report: (features: { done: number; total: number }) => Promise<void>,
  kind: BackboneKind = DEFAULT_BACKBONE,
  step = 'features',
): Promise<{ computed: number; cached: number }> {
  await report({ done: 0, total: 0 });
  const t0 = Date.now();
  const missing = await lackingFeatures(ctx.db, faceIds, kind);
  let how = '';
  if (chunked(ctx, missing.length, FEATURES_CHUNK_JOB)) {
    const faces = await byPhoto(ctx.db, missing);
    const parts = chunkFaces(faces, chunkSize(faces.length)).map((c) => ({ ...c, kind }));
    await runChunks(ctx, FEATURES_CHUNK_JOB, parts, {
      step: `${step}:${kind}`,
      size: (p) => (p as { ids: string[] }).ids.length,
      onProgress: (p) => report(p),
    });
    how = `, ${parts.length} chunks`;
  }
  // In place: a few faces, a worker without the chunk handler, or faces the chunks did not cover (a retried job
  // finds the chunks its first attempt queued, for the faces it had then).
  const rest = how ? await lackingFeatures(ctx.db, faceIds, kind) : missing;
  if (rest.length) {
    await getTf();
    await ensureFeatures(ctx.db, rest, {
      kind,
      onProgress: async (done, total) => {
        await report({ done, total });
        await ctx.checkpoint();
      },
    });
  }
  await ctx.log(
    `features: ${missing.length} computed, ${faceIds.length - missing.length} cached (${((Date.now() - t0) / 1000).toFixed(1)} s, backbone ${kind}${how})`,
  );
  return { computed: missing.length, cached: faceIds.length - missing.length };
}

/** Whether a job's step of `n` faces goes to chunks of `type`: enough faces, and a worker that runs such chunks. */
function chunked(ctx: FeatureStepContext, n: number, type: string): ctx is FeatureStepContext & JobContext {
  return n >= MIN_CHUNKED_FACES && canRunChunks(ctx, type);
}

/** Faces in photo order (a photo's faces in one chunk, its original decoded once). */
async function byPhoto(db: JobContext['db'], ids: readonly string[]): Promise<{ id: string; photoId: string }[]> {
  const faces: { id: string; photoId: string }[] = [];
  for (const part of chunks(ids)) faces.push(...(await db.face.findMany({ where: { id: { in: part } }, select: { id: true, photoId: true } })));
  return faces.sort((a, b) => (a.photoId < b.photoId ? -1 : a.photoId > b.photoId ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The retrain's view step: the missing augmented views of `faceIds` (a few in this worker, many in `views-chunk`
 * jobs every idle worker shares), logged; returns every face's views in the order of `opts.views`.
 */
export async function jobViews(
  ctx: FeatureStepContext,
  faceIds: readonly string[],
  report: (views: { done: number; total: number }) => Promise<void>,
  opts: { views: readonly ViewName[]; seed: number; kind: BackboneKind },
): Promise<Map<string, FeatureVector[]>> {
  const t0 = Date.now();
  const lacking = [...(await viewsLacking(ctx.db, faceIds, opts.views, opts)).keys()];
  let how = '';
  if (chunked(ctx, lacking.length, VIEWS_CHUNK_JOB)) {
    const faces = await byPhoto(ctx.db, lacking);
    // Views cost a backbone pass each: smaller chunks than plain features.
    const parts = chunkFaces(faces, Math.max(1, Math.ceil(chunkSize(faces.length) / Math.max(1, opts.views.length / 2)))).map((c) => ({
      ...c,
      views: opts.views,
      seed: opts.seed,
      kind: opts.kind,
    }));
    await runChunks(ctx, VIEWS_CHUNK_JOB, parts, {
      step: `views:${opts.kind}:${opts.seed}:${opts.views.join(',')}`,
      size: (p) => (p as { ids: string[] }).ids.length,
      onProgress: (p) => report(p),
    });
    how = `, ${parts.length} chunks`;
  }
  const rest = how ? [...(await viewsLacking(ctx.db, faceIds, opts.views, opts)).keys()] : lacking;
  if (rest.length) {
    await ensureViews(ctx.db, rest, {
      ...opts,
      onProgress: async (done, total) => {
        await report({ done, total });
        await ctx.checkpoint();
      },
    });
  }
  await ctx.log(`views: ${opts.views.join(', ')}: ${lacking.length} faces computed, ${faceIds.length - lacking.length} cached (${((Date.now() - t0) / 1000).toFixed(1)} s${how})`);
  return loadViews(ctx.db, faceIds, opts.views, opts);
}

const BACKFILL_CHUNK = 500;

/** The job: backfills from cached vectors, then runs the rest as chunks (`featuresChunkHandler`, which reads the store). */
export function featuresJobHandler() {
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

    // 2. The backbone for the rest (features cached on the way), in chunks that any idle worker takes
    // (lib/queue/chunks.ts): this worker works on them too, so one worker alone does them all.
    const faces = await db.face.findMany({ where: needsApparent, select: { id: true, photoId: true }, orderBy: [{ photoId: 'asc' }, { id: 'asc' }] });
    Object.assign(progress, { step: 'features', features: { done: 0, total: faces.length } });
    await ctx.progress(progress);
    const t0 = Date.now();
    const parts = await runChunks<FeaturesChunkResult>(ctx, FEATURES_CHUNK_JOB, chunkFaces(faces, chunkSize(faces.length)), {
      size: (p) => (p as { ids: string[] }).ids.length,
      onProgress: async (p) => {
        progress.features = p;
        await ctx.progress(progress);
      },
    });
    const r = parts.reduce((a, b) => ({ computed: a.computed + (b?.computed ?? 0), cached: a.cached + (b?.cached ?? 0) }), { computed: 0, cached: 0 });
    // A face with cached features but no apparent values here was cached under another process meanwhile:
    // fill it from its vector.
    progress.backfilled += await backfillApparent(db, BACKFILL_CHUNK);
    await ctx.log(`features: ${r.computed} computed, ${r.cached} cached (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    progress.step = 'done';
    await ctx.progress(progress);
    return { backfilled: progress.backfilled, computed: r.computed };
  };
}

/** The worker's handlers for features jobs: the job and its chunks. */
export function featuresHandlers(opts: { store?: BlobStore } = {}) {
  return { [FEATURES_JOB]: featuresJobHandler(), [FEATURES_CHUNK_JOB]: featuresChunkHandler(opts), [VIEWS_CHUNK_JOB]: viewsChunkHandler(opts) };
}
