// The bytes the app serves for a photo or a face: always derived JPEGs (oriented, no metadata).
import type { Db } from '../db';
import { type BlobStore, displayKey, faceKey, thumbKey } from '../storage';

/** `version`: a face's crop number (Face.index), which changes when its box is moved (lib/dataset/boxes.ts). */
export type Media = { data: Buffer; etag: string; version?: number };

export async function photoMedia(db: Db, store: BlobStore, photoId: string, kind: 'image' | 'thumb'): Promise<Media | null> {
  const p = await db.photo.findUnique({ where: { id: photoId }, select: { sha256: true } });
  if (!p) return null;
  const data = await store.get(kind === 'image' ? displayKey(p.sha256) : thumbKey(p.sha256));
  return data && { data, etag: `"${p.sha256.slice(0, 32)}-${kind}"` };
}

export async function faceMedia(db: Db, store: BlobStore, faceId: string): Promise<Media | null> {
  const f = await db.face.findUnique({ where: { id: faceId }, select: { index: true, photo: { select: { sha256: true } } } });
  if (!f) return null;
  const data = await store.get(faceKey(f.photo.sha256, f.index));
  return data && { data, etag: `"${f.photo.sha256.slice(0, 32)}-face-${f.index}"`, version: f.index };
}
