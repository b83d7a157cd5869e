// Deleting photos (their rows first, then their files).
import type { Db } from '../db';
import { type Actor } from '../auth/roles';
import { UserError } from '../errors';
import { ensure, may } from '../auth/policy';
import { type BlobStore, photoKeys } from '../storage';

/**
 * Deletes a photo with its faces (and their features and reviews; their label history stays)
 * and then its files.
 * Only its uploader or an admin may. Rows go first: a failure in between leaves orphan files
 * (removed by `checkStorage(…, { fix: true })`, lib/housekeeping), never a row without its files.
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
