// Deleting photos and checking that rows and stored files agree.
import type { Db } from '../db';
import { type Actor } from '../auth/roles';
import { UserError } from '../errors';
import { ensure, may } from '../auth/policy';
import { type BlobStore, photoKeys, shaOfKey } from '../storage';

/**
 * Deletes a photo with its faces (and their features and reviews; their label history stays)
 * and then its files.
 * Only its uploader or an admin may. Rows go first: a failure in between leaves orphan files
 * (removed by `checkStorage(…, { fix: true })`), never a row without its files.
 */
export async function deletePhoto(db: Db, store: BlobStore, actor: Actor, photoId: string): Promise<{ deleted: string; faces: number }> {
  const photo = await db.photo.findUnique({ where: { id: photoId }, select: { id: true, sha256: true, uploaderId: true, _count: { select: { faces: true } } } });
  if (!photo) throw new UserError('No such photo', 404);
  ensure(may.deletePhoto(actor, photo), 'Only the uploader or an admin may delete this photo');
  const faces = await db.face.findMany({ where: { photoId }, select: { id: true, index: true, label: true } });
  // Label events have no foreign key to their face: they outlive it, and one more event
  // per labelled face records who deleted it, so audits and per-labeller counts stay true.
  const now = new Date();
  await db.$transaction([
    db.labelEvent.createMany({
      data: faces
        .filter((f) => f.label !== null)
        .map((f) => ({ faceId: f.id, photoId, userId: actor.id, oldLabel: f.label, newLabel: null, kind: 'deleted', createdAt: now })),
    }),
    db.photo.delete({ where: { id: photoId } }),
  ]);
  const maxIndex = faces.reduce((m, f) => Math.max(m, f.index + 1), photo._count.faces);
  await Promise.all(photoKeys(photo.sha256, maxIndex).map((k) => store.delete(k)));
  return { deleted: photoId, faces: faces.length };
}

export type StorageReport = { photos: number; missing: string[]; orphans: string[]; temps: string[]; removed: number };

/** Files younger than this may belong to an upload still in flight: `fix` leaves them. */
export const STORAGE_FIX_MIN_AGE_MS = 10 * 60_000;

/**
 * Every photo row must have its original, display copy, thumbnail and one crop per face; every
 * stored file must belong to a photo row; no temporary file (a write cut short by a killed
 * process) should be left. With `fix`, orphan and temporary files older than 10 minutes are
 * removed (missing files cannot be recreated and are only reported).
 */
export async function checkStorage(db: Db, store: BlobStore, opts: { fix?: boolean } = {}): Promise<StorageReport> {
  const missing: string[] = [];
  const expected = new Set<string>();
  let photos = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await db.photo.findMany({
      take: 500,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
      orderBy: { id: 'asc' },
      select: { id: true, sha256: true, faces: { select: { index: true } } },
    });
    if (page.length === 0) break;
    for (const p of page) {
      photos++;
      const keys = [...photoKeys(p.sha256, 0), ...p.faces.map((f) => photoKeys(p.sha256, f.index + 1).at(-1)!)];
      for (const k of keys) {
        expected.add(k);
        if (!(await store.stat(k))) missing.push(k);
      }
    }
    cursor = page[page.length - 1].id;
  }
  const orphans: string[] = [];
  for (const prefix of ['objects/', 'derived/']) {
    for await (const key of store.list(prefix)) if (!expected.has(key) || !shaOfKey(key)) orphans.push(key);
  }
  const temps: { name: string; modified: Date }[] = [];
  if (store.listTemp) for await (const t of store.listTemp()) temps.push(t);
  let removed = 0;
  if (opts.fix) {
    // Files are written before their row, each first to a temporary file: young ones may
    // belong to an ingest still in flight.
    const cutoff = Date.now() - STORAGE_FIX_MIN_AGE_MS;
    for (const k of orphans) {
      const st = await store.stat(k);
      if (st && st.modified.getTime() > cutoff) continue;
      await store.delete(k);
      removed++;
    }
    for (const t of temps) {
      if (t.modified.getTime() > cutoff || !store.removeTemp) continue;
      await store.removeTemp(t.name);
      removed++;
    }
  }
  return { photos, missing, orphans, temps: temps.map((t) => t.name), removed };
}
