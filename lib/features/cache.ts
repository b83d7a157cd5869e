// Backbone features per face, cached in the Feature table per feature key and mirroring (the
// mirrored crop is the training augmentation and the test-time second view).
// Incremental: only faces without a cached vector for the current key are embedded.
// A face's features come from the same path inference runs (`describeBoxes` in lib/inference/classify.ts): the
// stored original photo, decoded and EXIF-oriented by the upload decoder (as `POST /api/predict` does), cut at the
// face's stored box (the planned sample box) and resized by the backbone's tensor crop. Not from the
// stored crop JPEG (re-encoded at <= 320 px, q90), which shifted class probabilities by up to 0.08.
// A stored vector is the backbone's features (FEATURE_DIM floats for faceres, featureDim('faceres+deep') for the
// accurate backbone, in `featureLayout` order), then faceres' age estimate (years) and its male probability:
// little-endian float32. Each backbone kind has its own feature key, so the two never mix.
import { chunks, type Db, isPostgres } from '../db';
import { decodeImage, type RgbImage } from '../images';
import { type BackboneKind, backboneId, DEFAULT_BACKBONE, featureDim } from '../inference/backbone';
import { describeBoxes } from '../inference/classify';
import type { Box } from '../inference/preprocess';
import type { FeaturePair, FeatureVector } from '../inference/types';
import { loadBackbone } from '../models/backbone';
import { getTf, rgbTensor } from '../models/tf';
import { type BlobStore, originalKey, store as defaultStore } from '../storage';
import { config } from '../config';
import { processPool, type ThreadPool } from '../models/threads';

/** The process's feature threads (lib/features/thread-main.ts), or null when MASKLAB_WORKER_THREADS is 0. */
export function featureThreads(): ThreadPool | null {
  return processPool('lib/features/thread-main.ts', 'feature', config().workerThreads);
}

/**
 * What `Feature.backbone` holds: the backbone id (weights + preprocessing, what a model's
 * `meta.backbone` names) and where the crop came from. Vectors cached under another key (e.g. the
 * bare BACKBONE_ID, computed from the stored crop JPEGs) are never mixed in.
 */
export const featureKey = (kind: BackboneKind): string => `${backboneId(kind)}+photo`;
/** The default (faceres) backbone's feature key. */
export const FEATURE_KEY = featureKey(DEFAULT_BACKBONE);

/** Floats per stored vector of a backbone (features, age, male). */
export const vectorDim = (kind: BackboneKind): number => featureDim(kind) + 2;

export function encodeVector(v: FeatureVector): Uint8Array<ArrayBuffer> {
  const dim = v.features.length;
  const out = new Float32Array(dim + 2);
  out.set(v.features);
  out[dim] = v.age;
  out[dim + 1] = v.male;
  return new Uint8Array(out.buffer);
}

/** A stored vector; `kind` (default faceres) fixes the length it must have. */
export function decodeVector(bytes: Uint8Array, kind: BackboneKind = DEFAULT_BACKBONE): FeatureVector {
  const n = vectorDim(kind);
  if (bytes.byteLength !== n * 4) throw new Error(`feature vector has ${bytes.byteLength} bytes, expected ${n * 4} (${kind})`);
  const copy = new Uint8Array(bytes); // aligned copy
  const f = new Float32Array(copy.buffer);
  return { features: f.slice(0, n - 2), age: f[n - 2], male: f[n - 1] };
}

/** What `Face.apparentMale` / `Face.apparentAge` hold: the backbone's estimates on the plain (not mirrored) view. */
export function apparentOf(plain: FeatureVector): { apparentMale: number; apparentAge: number } {
  return { apparentMale: plain.male, apparentAge: plain.age };
}

/**
 * Faces that have cached plain features but no apparent gender yet (cached before it was stored):
 * copies it from the cached vector, no backbone run. `limit` faces at most per call (loads their vectors);
 * returns how many were filled.
 */
export async function backfillApparent(db: Db, limit = 500): Promise<number> {
  const rows = await db.feature.findMany({
    where: { backbone: FEATURE_KEY, mirrored: false, face: { apparentMale: null } },
    select: { faceId: true, vector: true },
    take: limit,
  });
  if (rows.length === 0) return 0;
  await db.$transaction(rows.map((r) => db.face.update({ where: { id: r.faceId }, data: apparentOf(decodeVector(r.vector)) })));
  return rows.length;
}

/**
 * An original photo as RGB, through the upload decoder that ingest and `POST /api/predict` use. It
 * passed the size and pixel limits when it was stored; lowering them later must not make stored
 * photos untrainable, so only sharp's own default pixel cap applies here.
 */
export async function decodeOriginal(bytes: Buffer): Promise<RgbImage> {
  return (await decodeImage(bytes, { maxUploadBytes: Number.MAX_SAFE_INTEGER, maxPixels: 0x3fff * 0x3fff })).rgb;
}

export type PhotoFaces = { sha256: string; width: number; height: number; faces: { id: string; box: Box }[] };

/**
 * Plain and mirrored features of faces of one stored photo: the original is read from storage and
 * decoded once, and every face box goes through `describeBoxes`, the crop path of inference.
 */
async function describePhotoFaces(photo: PhotoFaces, kind: BackboneKind, blobs: BlobStore = defaultStore()): Promise<FeaturePair[]> {
  const bytes = await blobs.get(originalKey(photo.sha256));
  if (!bytes) throw new Error(`the original of photo ${photo.sha256} is missing from storage`);
  const pool = featureThreads();
  if (pool) {
    // On a model thread (the original moves there; it decodes it and runs the backbone).
    const copy = new Uint8Array(bytes);
    const args = { bytes: copy, sha256: photo.sha256, width: photo.width, height: photo.height, boxes: photo.faces.map((f) => f.box), kind };
    return pool.runOr<FeaturePair[]>('describe', args, [copy.buffer], () => describeDecoded(photo, bytes, kind));
  }
  return describeDecoded(photo, bytes, kind);
}

async function describeDecoded(photo: PhotoFaces, bytes: Buffer, kind: BackboneKind): Promise<FeaturePair[]> {
  const image = await decodeOriginal(bytes);
  if (image.width !== photo.width || image.height !== photo.height) {
    throw new Error(`photo ${photo.sha256} decodes to ${image.width}x${image.height}, its faces were found on ${photo.width}x${photo.height}`);
  }
  return describeImageBoxes(image, photo.faces.map((f) => f.box), kind);
}

/** Plain and mirrored features of boxes of a decoded photo, through `describeBoxes` (the inference crop path). */
export async function describeImageBoxes(image: RgbImage, boxes: readonly Box[], kind: BackboneKind = DEFAULT_BACKBONE): Promise<FeaturePair[]> {
  const tf = await getTf();
  const { faceres, extra } = await loadBackbone(kind);
  const tensor = rgbTensor(tf, image);
  try {
    const d = await describeBoxes(tf, faceres, tensor, boxes, { mirror: true, extra });
    return d.plain.map((p, i) => ({ plain: p, mirrored: d.mirrored![i] }));
  } finally {
    tensor.dispose();
  }
}

/** The faces of `faceIds` without both plain and mirrored features of `kind`, in the order given. */
export async function lackingFeatures(db: Db, faceIds: readonly string[], kind: BackboneKind = DEFAULT_BACKBONE): Promise<string[]> {
  const key = featureKey(kind);
  const have = new Set<string>();
  // `in` lists of at most 500 ids (`chunks`): SQLite takes at most 999 bound values a statement.
  for (const ids of chunks(faceIds)) {
    const rows = await db.feature.groupBy({
      by: ['faceId'],
      where: { backbone: key, faceId: { in: ids } },
      _count: { _all: true },
    });
    for (const r of rows) if (r._count._all >= 2) have.add(r.faceId);
  }
  return faceIds.filter((id) => !have.has(id));
}

/**
 * Makes sure every face in `faceIds` has plain and mirrored features under the feature key of `opts.kind`
 * (default faceres); embeds only the missing ones, photo by photo (each original decoded once), saving about
 * `batch` faces at a time.
 */
export async function ensureFeatures(
  db: Db,
  faceIds: readonly string[],
  opts: { batch?: number; onProgress?: (done: number, total: number) => Promise<void> | void; store?: BlobStore; kind?: BackboneKind } = {},
): Promise<{ computed: number; cached: number }> {
  const kind = opts.kind ?? DEFAULT_BACKBONE;
  const FEATURE_KEY = featureKey(kind);
  const missing = await lackingFeatures(db, faceIds, kind);
  const batch = opts.batch ?? 16;
  // Faces grouped by photo, so each original is decoded once.
  const photos = new Map<string, PhotoFaces>();
  for (const ids of chunks(missing)) {
    const faces = await db.face.findMany({
      where: { id: { in: ids } },
      select: { id: true, x: true, y: true, w: true, h: true, photo: { select: { id: true, sha256: true, width: true, height: true } } },
    });
    for (const f of faces) {
      const p = photos.get(f.photo.id) ?? { sha256: f.photo.sha256, width: f.photo.width, height: f.photo.height, faces: [] };
      p.faces.push({ id: f.id, box: { x: f.x, y: f.y, w: f.w, h: f.h } });
      photos.set(f.photo.id, p);
    }
  }
  const found = [...photos.values()].reduce((n, p) => n + p.faces.length, 0);
  if (found !== missing.length) throw new Error(`${missing.length - found} of the faces to embed no longer exist`);
  let done = 0;
  let pending: { id: string; pair: FeaturePair }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    // Taken at once: other threads' faces arrive while this batch is written.
    const taken = pending;
    pending = [];
    // One transaction: the vectors and the face's apparent gender/age (from the plain view) go together.
    // In face order, so two writers of the same faces take their row locks in the same order.
    const sorted = [...taken].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const write = (rows: typeof sorted) =>
      db.$transaction([
        ...writeFeatures(
          db,
          rows.flatMap((p) => [
            { faceId: p.id, backbone: FEATURE_KEY, mirrored: false, vector: encodeVector(p.pair.plain) },
            { faceId: p.id, backbone: FEATURE_KEY, mirrored: true, vector: encodeVector(p.pair.mirrored!) },
          ]),
        ),
        ...rows.map((p) => db.face.update({ where: { id: p.id }, data: apparentOf(p.pair.plain) })),
      ]);
    try {
      await write(sorted);
    } catch (err) {
      // A face deleted meanwhile (its box removed on the photo page) has no row to hang vectors on: the
      // others are written, the deleted one is skipped. Any other failure stands.
      const alive = new Set((await db.face.findMany({ where: { id: { in: sorted.map((p) => p.id) } }, select: { id: true } })).map((f) => f.id));
      if (alive.size === sorted.length) throw err;
      await write(sorted.filter((p) => alive.has(p.id)));
    }
    done += taken.length;
    await opts.onProgress?.(done, missing.length);
  };
  // One photo per model thread in flight (one at a time without threads); writes one after another.
  const list = [...photos.values()];
  let next = 0;
  let writing: Promise<void> = Promise.resolve();
  let failed = false;
  const lane = async () => {
    try {
      while (next < list.length && !failed) {
        const photo = list[next++];
        const pairs = await describePhotoFaces(photo, kind, opts.store);
        photo.faces.forEach((f, k) => pending.push({ id: f.id, pair: pairs[k] }));
        if (pending.length >= batch) await (writing = writing.then(flush));
      }
    } catch (err) {
      failed = true; // the other lanes stop after their photo (a cancel, a lost lease, a broken photo)
      throw err;
    }
  };
  await Promise.all(Array.from({ length: Math.min(featureThreads()?.size ?? 1, Math.max(1, list.length)) }, lane));
  await (writing = writing.then(flush));
  return { computed: missing.length, cached: faceIds.length - missing.length };
}

/** Feature rows per statement: 4 bound values each, SQLite takes at most 999 a statement. */
const WRITE_CHUNK = 200;

/**
 * Statements that write feature rows, replacing the vectors a face already has under the same key:
 * INSERT … ON CONFLICT DO UPDATE (SQLite and PostgreSQL). Two workers that embed the same faces at
 * once (a map job beside a train job) both succeed: the later write waits for the earlier one and
 * then stores its own, equal, vectors. (A delete followed by an insert failed there on the key.)
 */
export function writeFeatures(db: Db, rows: { faceId: string; backbone: string; mirrored: boolean; vector: Uint8Array }[]) {
  const pg = isPostgres(db);
  const now = new Date();
  const statements = [];
  for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
    const params: unknown[] = [];
    const bind = (v: unknown) => {
      params.push(v);
      return pg ? `$${params.length}` : '?';
    };
    // booleans inline: the SQLite driver binds none
    const values = rows.slice(i, i + WRITE_CHUNK).map((r) => `(${bind(r.faceId)}, ${bind(r.backbone)}, ${r.mirrored ? 'TRUE' : 'FALSE'}, ${bind(r.vector)}, ${bind(now)})`);
    statements.push(
      db.$executeRawUnsafe(
        `INSERT INTO "Feature" ("faceId", "backbone", "mirrored", "vector", "createdAt") VALUES ${values.join(', ')}
         ON CONFLICT ("faceId", "backbone", "mirrored") DO UPDATE SET "vector" = excluded."vector"`,
        ...params,
      ),
    );
  }
  return statements;
}

/** The cached plain and mirrored vectors of the given faces (current feature key of `kind`, default faceres). */
export async function loadFeatures(db: Db, faceIds: readonly string[], kind: BackboneKind = DEFAULT_BACKBONE): Promise<Map<string, FeaturePair>> {
  const out = new Map<string, FeaturePair>();
  const backbone = featureKey(kind);
  for (const ids of chunks(faceIds)) {
    const rows = await db.feature.findMany({ where: { backbone, faceId: { in: ids } } });
    for (const r of rows) {
      const v = decodeVector(r.vector, kind);
      const e = out.get(r.faceId) ?? { plain: null as unknown as FeatureVector, mirrored: null };
      if (r.mirrored) e.mirrored = v;
      else e.plain = v;
      out.set(r.faceId, e);
    }
  }
  for (const [id, e] of out) if (!e.plain) out.delete(id);
  return out;
}

