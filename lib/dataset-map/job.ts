// The "map" job: features for every face (computed where missing), PCA then UMAP to 2-D, the
// outlier distance per face, stored as one DatasetMap row under MAP_KEY (lib/dataset-map/map.ts
// does the arithmetic).
import { CLASSES } from '../classes';
import type { JobContext } from '../queue/worker';
import { embed2d, l2normalise, MAP_PCA_DIMS, outlierScores, pcaProject } from './map';
import { FEATURE_KEY } from '../features/cache';
import { jobFeatures } from '../features/job';
import { MAP_KEY, type MapPoint, type StoredMap } from './db';

export { MAP_JOB } from './db';

if (!MAP_KEY.startsWith(`${FEATURE_KEY}|`)) throw new Error(`MAP_KEY ${MAP_KEY} does not name the feature key ${FEATURE_KEY}`);

export async function runMapJob(ctx: JobContext): Promise<{ faces: number; outliers: number }> {
  const { db } = ctx;
  const progress: { step: string; features?: { done: number; total: number }; epoch?: number } = { step: 'features' };
  const report = async (p: Partial<typeof progress>) => {
    Object.assign(progress, p);
    await ctx.progress(progress);
  };
  await report({});
  const faces = await db.face.findMany({ select: { id: true, label: true }, orderBy: { id: 'asc' } });
  const vectors = await jobFeatures(ctx, faces.map((f) => f.id), (features) => report({ features }));
  const rows = faces.filter((f) => vectors.has(f.id));
  await report({ step: 'pca' });
  const t1 = Date.now();
  const projected = pcaProject(rows.map((f) => l2normalise(vectors.get(f.id)!.plain.features)), MAP_PCA_DIMS, 1337);
  await ctx.checkpoint();
  await report({ step: 'umap', epoch: 0 });
  const xy = await embed2d(projected, 1337, async (epoch) => {
    await report({ epoch });
    await ctx.checkpoint();
  });
  const labelled = rows.map((f) => f.label !== null && (CLASSES as readonly string[]).includes(f.label));
  const { distance, fence } = outlierScores(projected, labelled);
  const points: MapPoint[] = rows.map((f, i) => [f.id, xy[i][0], xy[i][1], Math.round(distance[i] * 1e4) / 1e4, fence !== null && distance[i] > fence ? 1 : 0]);
  const map: StoredMap = { faces: rows.length, labelled: labelled.filter(Boolean).length, fence, points };
  const outliers = points.filter((p) => p[4] === 1).length;
  await ctx.log(`map of ${rows.length} faces in ${((Date.now() - t1) / 1000).toFixed(1)} s; ${outliers} possible outlier(s)`);
  await ctx.checkpoint();
  await db.datasetMap.upsert({ where: { key: MAP_KEY }, create: { key: MAP_KEY, points: JSON.stringify(map) }, update: { points: JSON.stringify(map), createdAt: new Date() } });
  await report({ step: 'done' });
  return { faces: rows.length, outliers };
}
