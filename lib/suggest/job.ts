// The `suggest` job: the promoted model's class probabilities for every unlabelled face, stored per
// face in Suggestion (the label desk shows them, orders its queue by them, the grid filters and
// bulk-accepts them). Features come from the cache (`ensureFeatures` computes the missing ones
// first, with progress), then the head runs on them in batches (`classifyFeatures`, the same head
// input as serving). Queued by every promotion and by imports while a model is promoted
// (lib/suggest/queue.ts); `npm run cli -- suggest` runs it at once.
import { chunks, type Db } from '../db';
import { CLASSES } from '../classes';
import { argmax, classifyFeatures, type LoadedHead } from '../inference/classify';
import type { FeaturePair, Tf } from '../inference/types';
import { loadPromoted } from '../models/promoted';
import { backboneKindOf } from '../inference/backbone';
import { getTf } from '../models/tf';
import type { JobContext } from '../queue/worker';
import type { BlobStore } from '../storage';
import { ensureFeatures, loadFeatures } from '../features/cache';
import { computeJobFeatures } from '../features/job';

export { SUGGEST_JOB } from './queue';

/** The faces that get suggestions: unlabelled, outside evaluation sets. */
const UNLABELLED = { label: null, photo: { evalSetId: null } };

/** Faces classified (and rows written) per database round trip. */
const CHUNK = 2000;

export type SuggestProgress = { step: 'features' | 'classify' | 'done'; done: number; total: number; runId: string };

export type SuggestSummary = {
  runId: string;
  /** Unlabelled faces found. */
  faces: number;
  /** Features computed now / already cached. */
  computed: number;
  cached: number;
  /** Suggestions written. */
  suggested: number;
  /** Where the time went (ms): features (check / compute), loading cached vectors, the head, writing rows. */
  ms: { features: number; load: number; classify: number; write: number };
};

export type SuggestOptions = {
  /** The head to use (default: the promoted model). */
  head?: LoadedHead;
  onProgress?: (p: SuggestProgress) => Promise<void> | void;
  store?: BlobStore;
};

/**
 * Suggestions of the promoted model (or `opts.head`) for every face without a label, replacing
 * older ones. Suggestions of faces labelled since stay (an undo brings the face back with its
 * suggestion); queries ignore them while the face has a label. UserError 409 when no model is promoted.
 */
export async function computeSuggestions(db: Db, opts: SuggestOptions = {}): Promise<SuggestSummary> {
  const head = opts.head ?? (await loadPromoted(db));
  const runId = head.runId;
  const ids = (await db.face.findMany({ where: UNLABELLED, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true } })).map((f) => f.id);
  const ms = { features: 0, load: 0, classify: 0, write: 0 };
  let t = performance.now();
  const lap = (k: keyof typeof ms) => {
    const now = performance.now();
    ms[k] += now - t;
    t = now;
  };
  // Features of the model's own backbone (the accurate one computes faceres-deep and gear too).
  const kind = backboneKindOf(head.meta);
  const { computed, cached } = await ensureFeatures(db, ids, {
    kind,
    store: opts.store,
    onProgress: (done, total) => opts.onProgress?.({ step: 'features', done, total, runId }),
  });
  lap('features');
  const tf = await getTf();
  let suggested = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    t = performance.now();
    const features = await loadFeatures(db, chunk, kind);
    lap('load');
    const rows = await suggestionRows(tf, head, chunk, features);
    lap('classify');
    // Slices of deletes: SQLite takes at most 999 bound values a statement (createMany is split by the engine).
    await replaceSuggestions(db, chunk, rows);
    lap('write');
    suggested += rows.length;
    await opts.onProgress?.({ step: 'classify', done: Math.min(i + CHUNK, ids.length), total: ids.length, runId });
  }
  // Another model's suggestions are stale (faces labelled since, or gone from the cache).
  await db.suggestion.deleteMany({ where: { runId: { not: runId } } });
  await opts.onProgress?.({ step: 'done', done: ids.length, total: ids.length, runId });
  return { runId, faces: ids.length, computed, cached, suggested, ms: Object.fromEntries(Object.entries(ms).map(([k2, v]) => [k2, Math.round(v)])) as SuggestSummary['ms'] };
}

type SuggestionRow = { faceId: string; runId: string; label: string; confidence: number; probs: string };

/** The faces' suggestions become `rows`, in one transaction (deletes in slices: SQLite takes at most 999 bound values a statement). */
function replaceSuggestions(db: Db, faceIds: readonly string[], rows: SuggestionRow[]) {
  return db.$transaction([...chunks(faceIds).map((ids) => db.suggestion.deleteMany({ where: { faceId: { in: ids } } })), db.suggestion.createMany({ data: rows })]);
}

/** Suggestion rows of the faces that have cached features, from the head's probabilities on them. */
async function suggestionRows(tf: Tf, head: LoadedHead, faceIds: readonly string[], features: Map<string, FeaturePair>): Promise<SuggestionRow[]> {
  const k = head.meta.classes.length;
  const order = head.meta.classes.map((c) => (CLASSES as readonly string[]).indexOf(c));
  if (order.some((i) => i < 0) || k !== CLASSES.length) throw new Error(`model ${head.runId} has classes ${head.meta.classes.join(', ')}, expected ${CLASSES.join(', ')}`);
  const have = faceIds.filter((id) => features.has(id));
  const probs = await classifyFeatures(tf, head, have.map((id) => features.get(id)!));
  return have.map((faceId, j) => {
    // Stored in CLASSES order, whatever order the model lists its classes in.
    const p = new Array<number>(CLASSES.length);
    order.forEach((c, m) => (p[c] = probs[j][m]));
    const best = argmax(p);
    return { faceId, runId: head.runId, label: CLASSES[best], confidence: p[best], probs: JSON.stringify(p.map((v) => Math.round(v * 1e6) / 1e6)) };
  });
}

/**
 * Suggestions of the promoted model (or `opts.head`) for a few faces now, as the suggest job stores them
 * (features computed and cached first): the live preview's capture, so captured faces reach the Label desk
 * with the model's class and confidence at once. UserError 409 when no model is promoted.
 */
export async function suggestFaces(
  db: Db,
  faceIds: readonly string[],
  opts: { head?: LoadedHead; store?: BlobStore } = {},
): Promise<Map<string, { label: string; confidence: number; runId: string }>> {
  const head = opts.head ?? (await loadPromoted(db));
  // Features of the model's own backbone, as computeSuggestions.
  const kind = backboneKindOf(head.meta);
  await ensureFeatures(db, faceIds, { kind, store: opts.store });
  const rows = await suggestionRows(await getTf(), head, faceIds, await loadFeatures(db, faceIds, kind));
  await replaceSuggestions(db, faceIds, rows);
  return new Map(rows.map((r) => [r.faceId, { label: r.label, confidence: r.confidence, runId: r.runId }]));
}

/** The worker's handler: nothing to do when no model is promoted (it was rolled back, say). */
export async function runSuggestJob(ctx: JobContext): Promise<SuggestSummary | { skipped: string }> {
  const promoted = await ctx.db.run.count({ where: { promoted: true } });
  if (promoted === 0) {
    await ctx.log('no model is promoted: nothing to suggest');
    return { skipped: 'no model is promoted' };
  }
  let last = 0;
  // The missing features first, in chunks that every idle worker shares when there are many; the
  // suggestions then find them cached.
  const head = await loadPromoted(ctx.db);
  const ids = (await ctx.db.face.findMany({ where: UNLABELLED, select: { id: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((f) => f.id);
  const features = await computeJobFeatures(ctx, ids, async (f) => ctx.progress({ step: 'features', ...f, runId: head.runId } satisfies SuggestProgress), backboneKindOf(head.meta));
  const summary = await computeSuggestions(ctx.db, {
    head,
    onProgress: async (p) => {
      if (p.step === 'features' || p.step === 'done' || Date.now() - last > 1000) {
        last = Date.now();
        await ctx.progress(p);
      }
      await ctx.checkpoint();
    },
  });
  // The features were computed above (faces labelled meanwhile are left out of the suggestions).
  Object.assign(summary, { computed: Math.min(features.computed, summary.faces), cached: Math.max(0, summary.faces - features.computed) });
  await ctx.log(`model ${summary.runId}: ${summary.suggested} suggestions for ${summary.faces} unlabelled faces (${summary.computed} features computed, ${summary.cached} cached)`);
  return summary;
}
