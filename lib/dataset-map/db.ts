// The dataset map as the web app reads it: queue the "map" job and read the cached map with each
// face's current label and model suggestion. No ML imports (the worker runs lib/dataset-map/job.ts).
import { type Db, isPostgres } from '../db';
import type { Actor } from '../auth/roles';
import { blindFaceIds } from '../dataset/reviews';
import { BACKBONE_ID } from '../inference/backbone';
import { queueSingleJob } from '../queue/jobs';

export const MAP_JOB = 'map';
/** One cached map per feature version (FEATURE_KEY, `${BACKBONE_ID}+photo`) and map recipe. */
export const MAP_KEY = `${BACKBONE_ID}+photo|pca32-umap2|v1`;

/** [faceId, x, y (0..1), distance to the nearest labelled faces, outlier 0/1] */
export type MapPoint = [string, number, number, number, 0 | 1];
/** `faces`: the faces mapped (scored for outliers); `points`: those on the map (all of them, or a sample and every outlier). */
export type StoredMap = { faces: number; labelled: number; fence: number | null; points: MapPoint[] };

export function queueMap(db: Db, actorId: string | null) {
  return queueSingleJob(db, MAP_JOB, actorId);
}

export type MapFace = { id: string; x: number; y: number; distance: number; outlier: boolean; label: string | null; suggestion: string | null };
export type DatasetMapView = {
  createdAt: Date;
  fence: number | null;
  faces: MapFace[];
  /** Faces the map was computed over. */
  mapped: number;
  /** Whether the map shows a sample of them (and every possible outlier). */
  sampled: boolean;
  facesNow: number;
  job: { status: string; error: string | null } | null;
};

/** The cached map (null when none was computed yet), labels as they are now (hidden where the viewer owes a blind opinion). */
export async function readDatasetMap(db: Db, actor: Pick<Actor, 'id'>): Promise<DatasetMapView | null> {
  const [row, facesNow, job] = await Promise.all([
    db.datasetMap.findUnique({ where: { key: MAP_KEY } }),
    db.face.count(),
    db.job.findFirst({ where: { type: MAP_JOB }, orderBy: { createdAt: 'desc' }, select: { status: true, error: true } }),
  ]);
  if (!row) return job ? { createdAt: new Date(0), fence: null, faces: [], mapped: 0, sampled: false, facesNow, job } : null;
  const map = JSON.parse(row.points) as StoredMap;
  // The map's faces' labels and suggestions in one query: on PostgreSQL those of its points (a sample of a large
  // dataset: every face's took 333 ms at 200,000 faces), else every face's (500-id chunks were 800 round trips,
  // 5–8 s at 20,000 faces).
  const labels = new Map<string, string | null>();
  const suggestions = new Map<string, string>();
  const rows =
    map.points.length < map.faces && isPostgres(db)
      ? await db.$queryRaw<{ id: string; label: string | null; suggestion: string | null }[]>`
          SELECT f."id" AS id, f."label" AS label, s."label" AS suggestion FROM "Face" f LEFT JOIN "Suggestion" s ON s."faceId" = f."id"
          WHERE f."id" = ANY(${map.points.map((p) => p[0])})`
      : await db.$queryRaw<{ id: string; label: string | null; suggestion: string | null }[]>`
          SELECT f."id" AS id, f."label" AS label, s."label" AS suggestion FROM "Face" f LEFT JOIN "Suggestion" s ON s."faceId" = f."id"`;
  for (const r of rows) {
    labels.set(r.id, r.label);
    if (r.suggestion !== null) suggestions.set(r.id, r.suggestion);
  }
  const blind = await blindFaceIds(db, actor);
  const faces = map.points
    .filter((p) => labels.has(p[0])) // deleted since
    .map(([id, x, y, distance, outlier]) => ({
      id,
      x,
      y,
      distance,
      outlier: outlier === 1,
      label: blind.has(id) ? null : (labels.get(id) ?? null),
      suggestion: suggestions.get(id) ?? null,
    }));
  return { createdAt: row.createdAt, fence: map.fence, faces, mapped: map.faces, sampled: map.points.length < map.faces, facesNow, job };
}
