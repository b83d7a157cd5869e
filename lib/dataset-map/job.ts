// The "map" job: features for every face (computed where missing), PCA then UMAP to 2-D, the
// outlier distance per face, stored as one DatasetMap row under MAP_KEY (lib/dataset-map/map.ts
// does the arithmetic).
// UMAP is fitted on at most MAP_MAX_POINTS faces (a seeded sample when there are more: it took 409 s
// on 20,000 faces on one core), PCA on the same faces; every face is then projected and scored for
// outliers against at most MAP_MAX_REFERENCE labelled faces of the sample, in batches, so memory stays
// that of the sample whatever the dataset's size. The outliers outside the sample join the map,
// placed by UMAP's transform, so that every face flagged is on the map.
import { CLASSES } from '../classes';
import type { JobContext } from '../queue/worker';
import { chunks } from '../db';
import { prng } from '../random';
import { embed2d, l2normalise, MAP_PCA_DIMS, outlierScores, pcaApplyWithResidual, pcaFit } from './map';
import { FEATURE_KEY, loadFeatures } from '../features/cache';
import { computeJobFeatures } from '../features/job';
import { MAP_KEY, type MapPoint, type StoredMap } from './db';

export { MAP_JOB } from './db';

if (!MAP_KEY.startsWith(`${FEATURE_KEY}|`)) throw new Error(`MAP_KEY ${MAP_KEY} does not name the feature key ${FEATURE_KEY}`);

/** Faces UMAP is fitted on at most: about 3 minutes of one core; a map of more points is no easier to read. */
export const MAP_MAX_POINTS = 10_000;
/** Labelled faces each face's outlier distance is measured against at most (every face × these, 32 dimensions). */
export const MAP_MAX_REFERENCE = 5_000;
/** Outliers outside the sample added to the map at most (the farthest first). */
const MAX_EXTRA = 2_000;
const SEED = 1337;

/** The first `k` of `n` indices in a seeded shuffle, in ascending order. */
function sample(n: number, k: number, seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (k >= n) return idx;
  const rand = prng(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}

export function mapJobHandler(opts: { maxPoints?: number; maxReference?: number } = {}) {
  const maxPoints = opts.maxPoints ?? MAP_MAX_POINTS;
  const maxReference = opts.maxReference ?? MAP_MAX_REFERENCE;
  return async function runMapJob(ctx: JobContext): Promise<{ faces: number; shown: number; outliers: number }> {
    const { db } = ctx;
    const progress: { step: string; features?: { done: number; total: number }; epoch?: number } = { step: 'features' };
    const report = async (p: Partial<typeof progress>) => {
      Object.assign(progress, p);
      await ctx.progress(progress);
    };
    await report({});
    const all = await db.face.findMany({ select: { id: true, label: true }, orderBy: { id: 'asc' } });
    await computeJobFeatures(ctx, all.map((f) => f.id), (features) => report({ features }));
    await report({ step: 'pca' });
    const t1 = Date.now();
    // The sample: its vectors are the only ones held at once.
    const plain = async (ids: readonly string[]) => {
      const v = await loadFeatures(db, ids);
      return new Map([...v].map(([id, p]) => [id, l2normalise(p.plain.features)]));
    };
    const inSample = sample(all.length, maxPoints, SEED).map((i) => all[i]);
    const sampleVectors = await plain(inSample.map((f) => f.id));
    const mapped = inSample.filter((f) => sampleVectors.has(f.id));
    const pca = pcaFit(
      mapped.map((f) => sampleVectors.get(f.id)!),
      MAP_PCA_DIMS,
      SEED,
    );
    const projectedSample = new Map(mapped.map((f) => [f.id, pcaApplyWithResidual(pca, sampleVectors.get(f.id)!)]));
    sampleVectors.clear();
    // Every face in the PCA space and its distance from it (33 numbers each: the distance for the outlier scores,
    // UMAP takes the 32), read in batches; the sample's are known.
    const faces: { id: string; label: string | null; p: Float64Array }[] = [];
    for (const part of chunks(all, 2000)) {
      const need = part.filter((f) => !projectedSample.has(f.id));
      const v = need.length ? await plain(need.map((f) => f.id)) : new Map<string, Float64Array>();
      for (const f of part) {
        const p = projectedSample.get(f.id) ?? (v.has(f.id) ? pcaApplyWithResidual(pca, v.get(f.id)!) : null);
        if (p) faces.push({ id: f.id, label: f.label, p });
      }
      await ctx.checkpoint();
    }
    const isClass = (l: string | null) => l !== null && (CLASSES as readonly string[]).includes(l);
    // The reference: labelled faces of the sample, at most maxReference of them.
    const sampleLabelled = mapped.filter((f) => isClass(f.label)).map((f) => f.id);
    const reference = new Set(sample(sampleLabelled.length, maxReference, SEED + 1).map((i) => sampleLabelled[i]));
    const { distance, fence } = outlierScores(
      faces.map((f) => f.p),
      faces.map((f) => reference.has(f.id)),
    );
    await ctx.checkpoint();
    const outlier = (i: number) => fence !== null && distance[i] > fence;
    const at = new Map(faces.map((f, i) => [f.id, i]));
    const onMap = mapped.filter((f) => at.has(f.id)).map((f) => at.get(f.id)!);
    const extra = faces
      .map((_, i) => i)
      .filter((i) => outlier(i) && !projectedSample.has(faces[i].id))
      .sort((a, b) => distance[b] - distance[a])
      .slice(0, MAX_EXTRA);
    await report({ step: 'umap', epoch: 0 });
    const xy = await embed2d(
      onMap.map((i) => faces[i].p.subarray(0, -1)),
      SEED,
      async (epoch) => {
        await report({ epoch });
        await ctx.checkpoint();
      },
      extra.map((i) => faces[i].p.subarray(0, -1)),
    );
    const points: MapPoint[] = [...onMap, ...extra].map((i, k) => [faces[i].id, xy[k][0], xy[k][1], Math.round(distance[i] * 1e4) / 1e4, outlier(i) ? 1 : 0]);
    const outliers = faces.filter((_, i) => outlier(i)).length;
    const map: StoredMap = { faces: faces.length, labelled: faces.filter((f) => isClass(f.label)).length, fence, points };
    await ctx.log(
      `map of ${faces.length} faces (${points.length} on the map${faces.length > onMap.length ? `: a sample of ${onMap.length} and ${extra.length} outliers` : ''}) in ${((Date.now() - t1) / 1000).toFixed(1)} s; ${outliers} possible outlier(s)`,
    );
    await ctx.checkpoint();
    await db.datasetMap.upsert({ where: { key: MAP_KEY }, create: { key: MAP_KEY, points: JSON.stringify(map) }, update: { points: JSON.stringify(map), createdAt: new Date() } });
    await report({ step: 'done' });
    return { faces: faces.length, shown: points.length, outliers };
  };
}

export const runMapJob = mapJobHandler();
