// Face boxes by hand: add a face the detector missed, move or resize a box, delete one that is not
// a face. The box given is the face itself; the crop is re-cut from the original with the project's
// crop rule (`sampleOfBox`, lib/faces), and its pHash, near-duplicate group, cached features,
// suggestion and label-error row follow. Each change is a FaceEvent (the face's history).
//
// Storage, as in ingest: the new crop is written first, under a new crop number (Photo.nextFaceIndex,
// taken with an atomic increment, so two edits never write the same file), then the rows change in one
// transaction; a failure removes the new file, and the old crop is removed only after the commit. A
// move or delete is conditional on the face still having the crop it was read with: a concurrent edit
// gets 409 and nothing of it is kept.
//
// Splits stay leakage-free: a face whose new crop joins a near-duplicate group takes that group's split
// (the majority of its pinned faces) when its own pinned split differs; the change is noted in the
// event. Its photo's other faces keep theirs (the near-duplicate rule is the stronger one: the same
// picture in train and test is the leak). An unpinned face is placed with its group by `pinSplits`.
import { z } from 'zod';
import { config } from '../config';
import { type Db, isNotFound, type Tx } from '../db';
import { UserError } from '../errors';
import type { Actor } from '../auth/roles';
import { ensure, may } from '../auth/policy';
import { decodeImage, type Limits } from '../images';
import { type BlobStore, faceKey, originalKey, store as defaultStore } from '../storage';
import { sampleOfBox } from '../faces/box';
import type { PhotoSample } from '../faces/pipeline';
import { queueFeatures } from '../features/queue';
import { nearestFace } from './group';
import { SPLITS, type SplitName } from './split';

/** The smallest face box side, in pixels of the photo. */
export const MIN_BOX_PX = 16;

const coord = (what: string) => z.number({ error: `${what} must be a number (pixels)` }).finite(`${what} must be a finite number`);

/** A face box in pixels of the (EXIF-oriented) photo: the face itself, the crop rule adds the margin. */
export const faceBoxSchema = z
  .object({
    x: coord('x').min(0, 'x must be 0 or more').meta({ description: 'Left edge, pixels from the left of the photo' }),
    y: coord('y').min(0, 'y must be 0 or more').meta({ description: 'Top edge, pixels from the top of the photo' }),
    w: coord('w').min(MIN_BOX_PX, `w must be at least ${MIN_BOX_PX} px`).meta({ description: `Width, pixels (at least ${MIN_BOX_PX})` }),
    h: coord('h').min(MIN_BOX_PX, `h must be at least ${MIN_BOX_PX} px`).meta({ description: `Height, pixels (at least ${MIN_BOX_PX})` }),
  })
  .meta({ id: 'FaceBox', description: 'The face (not the crop) in pixels of the oriented photo; the crop adds the crop rule\'s margin' });
export type FaceBox = z.output<typeof faceBoxSchema>;

export type BoxOptions = { store: BlobStore; limits: Limits; duplicateFaceDistance: number };

export function defaultBoxOptions(): BoxOptions {
  const c = config();
  return { store: defaultStore(), limits: { maxUploadBytes: c.maxUploadBytes, maxPixels: c.maxPixels }, duplicateFaceDistance: c.duplicateFaceDistance };
}

export type BoxKind = 'box-added' | 'box-moved' | 'box-deleted';

export type BoxResult = {
  id: string;
  photoId: string;
  index: number;
  /** The stored crop box (the face box with the rule's margin, square, inside the photo). */
  box: { x: number; y: number; w: number; h: number };
  phash: string;
  groupId: string | null;
  split: string | null;
  /** The face's label (null: unlabelled, so it wants a new suggestion). */
  label: string | null;
  /** The crop's URL (versioned by its crop number, so a changed crop is never a cached old one). */
  image: string;
  note: string | null;
};

/** Refuses a box that is not inside the photo or too small, in words; nothing is read or written before. */
export function checkBox(box: FaceBox, photo: { width: number; height: number }): FaceBox {
  const b = faceBoxSchema.parse(box);
  const out: string[] = [];
  if (b.x + b.w > photo.width) out.push(`x + w is ${fmt(b.x + b.w)}, past the photo's right edge (${photo.width} px wide)`);
  if (b.y + b.h > photo.height) out.push(`y + h is ${fmt(b.y + b.h)}, past the photo's bottom edge (${photo.height} px high)`);
  if (out.length) throw new UserError(`The box must lie inside the photo: ${out.join('; ')}`);
  return b;
}
const fmt = (n: number) => String(Math.round(n * 10) / 10);

const boxJson = (b: { x: number; y: number; w: number; h: number }) => JSON.stringify({ x: b.x, y: b.y, w: b.w, h: b.h });
const imageUrl = (id: string, index: number) => `/api/faces/${id}/image?v=${index}`;

async function photoFor(db: Db, photoId: string) {
  const p = await db.photo.findUnique({ where: { id: photoId }, select: { id: true, sha256: true, width: true, height: true } });
  if (!p) throw new UserError('No such photo', 404);
  return p;
}

/** The crop of a face box, cut from the photo's original (decoded and oriented as at ingest). */
async function cut(opts: BoxOptions, photo: { sha256: string; width: number; height: number }, box: FaceBox): Promise<PhotoSample> {
  const bytes = await opts.store.get(originalKey(photo.sha256));
  if (!bytes) throw new Error(`the original of photo ${photo.sha256} is missing from the store (run: storage check)`);
  const decoded = await decodeImage(bytes, opts.limits);
  if (decoded.width !== photo.width || decoded.height !== photo.height) {
    throw new Error(`the original decodes to ${decoded.width}x${decoded.height}, the photo row says ${photo.width}x${photo.height}`);
  }
  return sampleOfBox(decoded.rgb, box);
}

/** A new crop number of the photo (an atomic increment: never handed out twice). */
async function takeIndex(db: Db, photoId: string): Promise<number> {
  try {
    const p = await db.photo.update({ where: { id: photoId }, data: { nextFaceIndex: { increment: 1 } }, select: { nextFaceIndex: true } });
    return p.nextFaceIndex - 1;
  } catch (err) {
    if (isNotFound(err)) throw new UserError('No such photo', 404);
    throw err;
  }
}

/** Writes the crop, runs `rows`, and removes the crop again when they fail. */
async function withNewCrop<T>(opts: BoxOptions, key: string, jpeg: Buffer, rows: () => Promise<T>): Promise<T> {
  await opts.store.put(key, jpeg);
  try {
    return await rows();
  } catch (err) {
    await opts.store.delete(key).catch(() => {});
    throw err;
  }
}

async function removeOld(opts: BoxOptions, key: string) {
  // After the commit: a failure here leaves an orphan file, which `checkStorage` reports and fixes.
  await opts.store.delete(key).catch((err) => console.error(`masklab: removing the old crop ${key}: ${(err as Error).message}`));
}

/** The group a new pHash joins (the nearest face of another photo within the distance), marking a lone match as a group. */
async function joinGroup(tx: Tx, match: Awaited<ReturnType<typeof nearestFace>>): Promise<string | null> {
  if (!match) return null;
  if (!match.groupId) await tx.face.updateMany({ where: { id: match.id, groupId: null }, data: { groupId: match.id } });
  return match.groupId ?? match.id;
}

/** The split most of a group's pinned faces (other than `faceId`) have; ties go to the earlier of train/valid/test. */
async function groupSplit(tx: Tx, groupId: string, faceId: string): Promise<SplitName | null> {
  const rows = await tx.face.groupBy({
    by: ['split'],
    where: { OR: [{ groupId }, { id: groupId }], id: { not: faceId }, split: { in: [...SPLITS] } },
    _count: { _all: true },
  });
  let best: SplitName | null = null;
  let most = 0;
  for (const s of SPLITS) {
    const n = rows.find((r) => r.split === s)?._count._all ?? 0;
    if (n > most) [best, most] = [s, n];
  }
  return best;
}

/** Cached features, the suggestion and the label-error row of a face whose crop changed: jobs recompute them. */
async function forgetDerived(tx: Tx, faceId: string) {
  await tx.feature.deleteMany({ where: { faceId } });
  await tx.suggestion.deleteMany({ where: { faceId } });
  await tx.labelError.deleteMany({ where: { faceId } });
}

/**
 * After a new crop: the features job (apparent gender/age and cached vectors). Never throws. A new
 * suggestion for an unlabelled face (`label: null` in the result) is the caller's to queue
 * (`suggestAfterImport`, lib/suggest sits above this folder).
 */
async function queueFollowUps(db: Db, actor: Actor) {
  await queueFeatures(db, actor.id).catch((err) => console.error(`masklab: queueing features: ${(err as Error).message}`));
}

type FaceRow = { id: string; photoId: string; index: number; x: number; y: number; w: number; h: number; phash: string; groupId: string | null; split: string | null; label: string | null };
function result(f: FaceRow, note: string | null): BoxResult {
  const { id, photoId, index, phash, groupId, split, label } = f;
  return { id, photoId, index, box: { x: f.x, y: f.y, w: f.w, h: f.h }, phash, groupId, split, label, image: imageUrl(id, index), note };
}

/** Adds a face the detector missed: a new unlabelled sample of the photo, cut from `box`. */
export async function addFace(db: Db, opts: BoxOptions, actor: Actor, photoId: string, box: FaceBox): Promise<BoxResult> {
  ensure(may.editBoxes(actor), 'Your role may not change face boxes');
  const photo = await photoFor(db, photoId);
  const b = checkBox(box, photo);
  const sample = await cut(opts, photo, b);
  const index = await takeIndex(db, photoId);
  const key = faceKey(photo.sha256, index);
  const out = await withNewCrop(opts, key, sample.cropJpeg, async () => {
    const match = await nearestFace(db, sample.phash, opts.duplicateFaceDistance, photoId);
    return db.$transaction(async (tx) => {
      const groupId = await joinGroup(tx, match);
      const face = await tx.face.create({
        data: { photoId, index, ...sample.box, score: null, wholeImage: false, phash: sample.phash, groupId },
      });
      const note = groupId ? 'near-duplicate of a face in another photo' : null;
      await tx.faceEvent.create({ data: { faceId: face.id, photoId, userId: actor.id, kind: 'box-added', newBox: boxJson(face), note } });
      return result(face, note);
    });
  });
  await queueFollowUps(db, actor);
  return out;
}

async function faceFor(db: Db, faceId: string) {
  const f = await db.face.findUnique({
    where: { id: faceId },
    include: { photo: { select: { id: true, sha256: true, width: true, height: true } } },
  });
  if (!f) throw new UserError('No such face', 404);
  return f;
}

const CHANGED = 'This face was changed or deleted meanwhile; reload and try again';

/** Moves or resizes a face's box: a new crop, pHash, group (and split, see above); its label stays. */
export async function moveFace(db: Db, opts: BoxOptions, actor: Actor, faceId: string, box: FaceBox): Promise<BoxResult> {
  ensure(may.editBoxes(actor), 'Your role may not change face boxes');
  const old = await faceFor(db, faceId);
  const b = checkBox(box, old.photo);
  const sample = await cut(opts, old.photo, b);
  const index = await takeIndex(db, old.photoId);
  const key = faceKey(old.photo.sha256, index);
  const out = await withNewCrop(opts, key, sample.cropJpeg, async () => {
    const match = await nearestFace(db, sample.phash, opts.duplicateFaceDistance, old.photoId);
    return db.$transaction(async (tx) => {
      const groupId = await joinGroup(tx, match);
      const notes: string[] = [];
      if (groupId !== old.groupId) notes.push(groupId ? 'joined a near-duplicate group' : 'no longer a near-duplicate');
      let split = old.split;
      if (groupId && old.split) {
        const theirs = await groupSplit(tx, groupId, faceId);
        if (theirs && theirs !== old.split) {
          split = theirs;
          notes.push(`split ${old.split} → ${theirs}, the near-duplicate group's, so the group stays in one split`);
        }
      }
      const moved = await tx.face.updateMany({
        where: { id: faceId, index: old.index },
        data: { index, ...sample.box, score: null, wholeImage: false, phash: sample.phash, groupId, split, apparentMale: null, apparentAge: null },
      });
      if (moved.count !== 1) throw new UserError(CHANGED, 409);
      await forgetDerived(tx, faceId);
      const note = notes.join('; ') || null;
      await tx.faceEvent.create({ data: { faceId, photoId: old.photoId, userId: actor.id, kind: 'box-moved', oldBox: boxJson(old), newBox: boxJson(sample.box), note } });
      return result({ ...old, index, ...sample.box, phash: sample.phash, groupId, split }, note);
    });
  });
  await removeOld(opts, faceKey(old.photo.sha256, old.index));
  await queueFollowUps(db, actor);
  return out;
}

/**
 * Deletes a box that is not a face, with its crop, features, suggestion and reviews. Its label history
 * stays (LabelEvent has no foreign key; a labelled face gets a `deleted` event, as when its photo goes).
 */
export async function deleteFace(db: Db, opts: BoxOptions, actor: Actor, faceId: string): Promise<{ deleted: string; photoId: string; label: string | null }> {
  ensure(may.editBoxes(actor), 'Your role may not change face boxes');
  const old = await faceFor(db, faceId);
  await db.$transaction(async (tx) => {
    const now = new Date();
    if (old.label !== null) {
      await tx.labelEvent.create({ data: { faceId, photoId: old.photoId, userId: actor.id, oldLabel: old.label, newLabel: null, kind: 'deleted', createdAt: now } });
    }
    await tx.faceEvent.create({ data: { faceId, photoId: old.photoId, userId: actor.id, kind: 'box-deleted', oldBox: boxJson(old), createdAt: now } });
    const gone = await tx.face.deleteMany({ where: { id: faceId, index: old.index } });
    if (gone.count !== 1) throw new UserError(CHANGED, 409);
  });
  await removeOld(opts, faceKey(old.photo.sha256, old.index));
  return { deleted: faceId, photoId: old.photoId, label: old.label };
}

export type BoxEvent = { id: string; kind: BoxKind; at: Date; user: { name: string | null; email: string }; oldBox: string | null; newBox: string | null; note: string | null };

/** A face's box history, oldest first. */
export async function boxHistory(db: Db, faceId: string): Promise<BoxEvent[]> {
  const rows = await db.faceEvent.findMany({
    where: { faceId },
    orderBy: { createdAt: 'asc' },
    select: { id: true, kind: true, createdAt: true, oldBox: true, newBox: true, note: true, user: { select: { name: true, email: true } } },
  });
  return rows.map((r) => ({ id: r.id, kind: r.kind as BoxKind, at: r.createdAt, user: r.user, oldBox: r.oldBox, newBox: r.newBox, note: r.note }));
}
