// Backbone features per face, cached in the Feature table per backbone version and
// mirroring (the mirrored crop is the training augmentation and the test-time second view).
// Incremental: only faces without a cached vector for the current backbone are embedded.
// A stored vector is FEATURE_DIM floats of features, then the backbone's age estimate
// (years) and its male probability: little-endian float32.
import type { Db } from '../db';
import { BACKBONE_ID, describe, FEATURE_DIM } from './backbone';
import { encodedToRgb } from '../faces/crop';
import { readCrop } from './crop-source';
import type { BlobStore } from '../storage';

export const VECTOR_DIM = FEATURE_DIM + 2;
export type FaceVector = { features: Float32Array; age: number; male: number };
export type FacePair = { plain: FaceVector; mirrored: FaceVector | null };

export function encodeVector(v: FaceVector): Uint8Array<ArrayBuffer> {
  const out = new Float32Array(VECTOR_DIM);
  out.set(v.features);
  out[FEATURE_DIM] = v.age;
  out[FEATURE_DIM + 1] = v.male;
  return new Uint8Array(out.buffer);
}

export function decodeVector(bytes: Uint8Array): FaceVector {
  if (bytes.byteLength !== VECTOR_DIM * 4) throw new Error(`feature vector has ${bytes.byteLength} bytes, expected ${VECTOR_DIM * 4}`);
  const copy = new Uint8Array(bytes); // aligned copy
  const f = new Float32Array(copy.buffer);
  return { features: f.slice(0, FEATURE_DIM), age: f[FEATURE_DIM], male: f[FEATURE_DIM + 1] };
}

/** Features of encoded face crops (JPEG/PNG…), plain and mirrored. */
export async function describeCrops(crops: readonly Uint8Array[], opts: { mirror?: boolean } = {}): Promise<FacePair[]> {
  const rgb = await Promise.all(crops.map((c) => encodedToRgb(c)));
  const plain = await describe(rgb);
  const mirrored = opts.mirror === false ? null : await describe(rgb, { mirror: true });
  return plain.map((p, i) => ({ plain: p, mirrored: mirrored ? mirrored[i] : null }));
}

/**
 * Makes sure every face in `faceIds` has plain and mirrored features for the current
 * backbone; embeds only the missing ones, `batch` faces at a time.
 */
export async function ensureFeatures(
  db: Db,
  faceIds: readonly string[],
  opts: { batch?: number; onProgress?: (done: number, total: number) => Promise<void> | void; store?: BlobStore } = {},
): Promise<{ computed: number; cached: number }> {
  const have = new Set<string>();
  for (let i = 0; i < faceIds.length; i += 1000) {
    const rows = await db.feature.groupBy({
      by: ['faceId'],
      where: { backbone: BACKBONE_ID, faceId: { in: faceIds.slice(i, i + 1000) } },
      _count: { _all: true },
    });
    for (const r of rows) if (r._count._all >= 2) have.add(r.faceId);
  }
  const missing = faceIds.filter((id) => !have.has(id));
  const batch = opts.batch ?? 16;
  for (let i = 0; i < missing.length; i += batch) {
    const ids = missing.slice(i, i + batch);
    const faces = await db.face.findMany({ where: { id: { in: ids } }, select: { id: true, index: true, photo: { select: { sha256: true } } } });
    const crops = await Promise.all(faces.map((f) => readCrop({ faceId: f.id, photoSha: f.photo.sha256, index: f.index }, opts.store)));
    const pairs = await describeCrops(crops);
    await db.feature.deleteMany({ where: { backbone: BACKBONE_ID, faceId: { in: faces.map((f) => f.id) } } });
    await db.feature.createMany({
      data: faces.flatMap((f, k) => [
        { faceId: f.id, backbone: BACKBONE_ID, mirrored: false, vector: encodeVector(pairs[k].plain) },
        { faceId: f.id, backbone: BACKBONE_ID, mirrored: true, vector: encodeVector(pairs[k].mirrored!) },
      ]),
    });
    await opts.onProgress?.(Math.min(i + batch, missing.length), missing.length);
  }
  return { computed: missing.length, cached: faceIds.length - missing.length };
}

/** The cached plain and mirrored vectors of the given faces (current backbone). */
export async function loadFeatures(db: Db, faceIds: readonly string[], backbone = BACKBONE_ID): Promise<Map<string, FacePair>> {
  const out = new Map<string, FacePair>();
  for (let i = 0; i < faceIds.length; i += 1000) {
    const rows = await db.feature.findMany({ where: { backbone, faceId: { in: faceIds.slice(i, i + 1000) } } });
    for (const r of rows) {
      const v = decodeVector(r.vector);
      const e = out.get(r.faceId) ?? { plain: null as unknown as FaceVector, mirrored: null };
      if (r.mirrored) e.mirrored = v;
      else e.plain = v;
      out.set(r.faceId, e);
    }
  }
  for (const [id, e] of out) if (!e.plain) out.delete(id);
  return out;
}
