// Labelling: assign, exclude, undo, the queue of unlabelled faces and a face's history.
// Every change is a LabelEvent row; Face.label is the denormalised latest label, written
// in the same transaction as its event. Viewers are refused here, not only in the UI.
import { z } from 'zod';
import type { Db, Prisma, Tx } from '../db';
import { type Actor, requireRole, UserError } from '../auth/roles';
import { type Label, LABELS } from '../classes';

export const labelSchema = z.enum(LABELS, { message: `A label is one of ${LABELS.join(', ')}` });

export const MAX_BATCH = 1000;

export const assignSchema = z.object({
  faceIds: z.array(z.string().min(1)).min(1, 'Choose at least one face').max(MAX_BATCH, `At most ${MAX_BATCH} faces at once`),
  label: labelSchema,
});

export type LabelChange = { faceId: string; oldLabel: string | null; newLabel: string | null };

/**
 * Gives every face in `faceIds` the label `label` (a class or "excluded"), recording one
 * event per face whose label changes. Faces that already carry the label are left alone.
 */
export async function assignLabels(
  db: Db,
  actor: Actor,
  faceIds: string[],
  label: Label,
  kind: 'label' | 'resolve' = 'label',
): Promise<{ changed: LabelChange[]; unchanged: number }> {
  requireRole(actor, kind === 'resolve' ? 'admin' : 'labeler');
  const { faceIds: ids, label: newLabel } = assignSchema.parse({ faceIds: [...new Set(faceIds)], label });
  // Labelling a face one owes a blind second opinion would reveal (and overwrite) the first label.
  const owed = await db.review.count({ where: { faceId: { in: ids }, status: 'pending', reviewerId: actor.id } });
  if (owed > 0) throw new UserError('You owe a blind second opinion on this face: give it on the Reviews page', 409);
  return db.$transaction((tx) => applyLabels(tx, actor.id, ids, newLabel, kind));
}

/** The body of assignLabels, for callers that already hold a transaction (role checked by them). */
export async function applyLabels(
  tx: Tx,
  userId: string,
  ids: string[],
  newLabel: Label,
  kind: 'label' | 'resolve',
): Promise<{ changed: LabelChange[]; unchanged: number }> {
  const faces = await tx.face.findMany({ where: { id: { in: ids } }, select: { id: true, label: true, photoId: true } });
  if (faces.length !== ids.length) {
    const found = new Set(faces.map((f) => f.id));
    const missing = ids.filter((id) => !found.has(id));
    throw new UserError(`No face with id ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? '…' : ''}`, 404);
  }
  // A resolve is recorded even when it keeps the label: the history shows who decided.
  const todo = faces.filter((f) => kind === 'resolve' || f.label !== newLabel);
  const changed: LabelChange[] = todo.map((f) => ({ faceId: f.id, oldLabel: f.label, newLabel }));
  if (changed.length === 0) return { changed, unchanged: faces.length };
  const now = new Date();
  await tx.labelEvent.createMany({
    data: todo.map((f) => ({ faceId: f.id, photoId: f.photoId, userId, oldLabel: f.label, newLabel, kind, createdAt: now })),
  });
  await tx.face.updateMany({
    where: { id: { in: changed.map((c) => c.faceId) } },
    data: { label: newLabel, labelledById: userId, labelledAt: now },
  });
  // A suspected label error was about the old label: it (and a "kept" mark on it) no longer applies.
  for (let i = 0; i < changed.length; i += 500) {
    await tx.labelError.deleteMany({ where: { faceId: { in: changed.slice(i, i + 500).map((c) => c.faceId) }, label: { not: newLabel } } });
  }
  return { changed, unchanged: faces.length - changed.length };
}

/** One face, one label: what the keyboard view sends. */
export async function labelFace(db: Db, actor: Actor, faceId: string, label: Label): Promise<LabelChange | null> {
  const { changed } = await assignLabels(db, actor, [faceId], label);
  return changed[0] ?? null;
}


const UNDO_LOOKBACK = 200;

/**
 * Undoes the actor's most recent label that is still in effect (the face still carries that
 * label, from them): the face gets its previous label back, with its previous labeller, and
 * the undo is an event of its own. Repeated calls walk further back; labels that someone
 * else has replaced since are passed over, never clobbered. Null when there is nothing to undo.
 */
export async function undoLastLabel(db: Db, actor: Actor): Promise<LabelChange | null> {
  requireRole(actor, 'labeler');
  return db.$transaction(async (tx) => {
    const events = await tx.labelEvent.findMany({
      where: { userId: actor.id, kind: { in: ['label', 'undo'] } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: UNDO_LOOKBACK,
      select: { id: true, faceId: true, photoId: true, oldLabel: true, newLabel: true, kind: true, createdAt: true },
    });
    if (events.length === 0) return null;
    const faces = await tx.face.findMany({
      where: { id: { in: [...new Set(events.map((e) => e.faceId))] } },
      select: { id: true, label: true, labelledById: true },
    });
    const byId = new Map(faces.map((f) => [f.id, f]));
    // An undo event cancelled the newest not yet cancelled label event of the actor's on the same face.
    const undos = new Map<string, number>();
    const target = events.find((e) => {
      const pending = undos.get(e.faceId) ?? 0;
      if (e.kind === 'undo') {
        undos.set(e.faceId, pending + 1);
        return false;
      }
      if (pending > 0) {
        undos.set(e.faceId, pending - 1);
        return false;
      }
      const f = byId.get(e.faceId);
      return !!f && f.label === e.newLabel && f.labelledById === actor.id; // not replaced by someone since
    });
    if (!target) return null;
    const current = target.newLabel;
    const restored = target.oldLabel;
    const previous = restored === null ? null : await previousEvent(tx, target.faceId, restored, target.createdAt, target.id);
    const now = new Date();
    await tx.labelEvent.create({
      data: { faceId: target.faceId, photoId: target.photoId, userId: actor.id, oldLabel: current, newLabel: restored, kind: 'undo', createdAt: now },
    });
    await tx.face.update({
      where: { id: target.faceId },
      data: {
        label: restored,
        labelledById: restored === null ? null : (previous?.userId ?? actor.id),
        labelledAt: restored === null ? null : (previous?.createdAt ?? now),
      },
    });
    await tx.labelError.deleteMany({ where: { faceId: target.faceId, ...(restored === null ? {} : { label: { not: restored } }) } });
    return { faceId: target.faceId, oldLabel: current, newLabel: restored };
  });
}

/** The event that gave the face the label it had before `before`. */
async function previousEvent(tx: Tx, faceId: string, label: string, createdAt: Date, beforeId: string) {
  return tx.labelEvent.findFirst({
    where: { faceId, newLabel: label, id: { not: beforeId }, createdAt: { lte: createdAt } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: { userId: true, createdAt: true },
  });
}

// ---------------------------------------------------------------------------------------
// Reading faces

export const faceCard = {
  id: true,
  photoId: true,
  index: true,
  groupId: true,
  x: true,
  y: true,
  w: true,
  h: true,
  wholeImage: true,
  label: true,
  createdAt: true,
  photo: { select: { width: true, height: true, uploaderId: true } },
} satisfies Prisma.FaceSelect;

export type FaceCard = {
  id: string;
  photoId: string;
  /** Position in its photo, left to right. */
  index: number;
  /** Near-duplicate group, if any. */
  groupId: string | null;
  box: { x: number; y: number; w: number; h: number };
  wholeImage: boolean;
  label: string | null;
  photo: { width: number; height: number };
};

type FaceRow = Prisma.FaceGetPayload<{ select: typeof faceCard }>;
export const toCard = (f: FaceRow): FaceCard => ({
  id: f.id,
  photoId: f.photoId,
  index: f.index,
  groupId: f.groupId,
  box: { x: f.x, y: f.y, w: f.w, h: f.h },
  wholeImage: f.wholeImage,
  label: f.label,
  photo: { width: f.photo.width, height: f.photo.height },
});

/** A stable number in [0, 1) from a string (FNV-1a, then mixed). */
function unitHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  // final avalanche (murmur3 fmix32), so that keys differing in one character land far apart
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

export type QueueOptions = {
  /** Continue after this face (a cursor that stays valid when that face gets labelled meanwhile). */
  after?: string;
  /** Without `after`: start at a position derived from this key (the user id), so that labelers who start together do not work on the same faces. */
  spreadKey?: string;
  limit?: number;
  /** Ids the caller already holds (skipped faces, say): never returned. */
  exclude?: string[];
};

/**
 * The next unlabelled faces in upload order, from the cursor (or the labeler's own starting
 * point) to the end, then wrapping round to the oldest ones.
 */
export async function labelQueue(db: Db, opts: QueueOptions = {}): Promise<FaceCard[]> {
  const limit = Math.min(Math.max(opts.limit ?? 20, 1), 100);
  // Evaluation sets' faces are no labelling work (a partially labelled one has label null).
  const base: Prisma.FaceWhereInput = { label: null, photo: { evalSetId: null } };
  if (opts.exclude?.length) base.id = { notIn: opts.exclude.slice(0, 200) };
  const order: Prisma.FaceOrderByWithRelationInput[] = [{ createdAt: 'asc' }, { id: 'asc' }];
  let rows: FaceRow[];
  if (opts.after) {
    const cur = await db.face.findUnique({ where: { id: opts.after }, select: { createdAt: true } });
    const where: Prisma.FaceWhereInput = cur
      ? { ...base, OR: [{ createdAt: { gt: cur.createdAt } }, { createdAt: cur.createdAt, id: { gt: opts.after } }] }
      : base;
    rows = await db.face.findMany({ where, orderBy: order, take: limit, select: faceCard });
  } else if (opts.spreadKey) {
    const total = await db.face.count({ where: base });
    const skip = Math.floor(unitHash(opts.spreadKey) * total);
    rows = await db.face.findMany({ where: base, orderBy: order, skip, take: limit, select: faceCard });
  } else {
    rows = await db.face.findMany({ where: base, orderBy: order, take: limit, select: faceCard });
  }
  if (rows.length < limit && (opts.after || opts.spreadKey)) {
    // Wrap round: the oldest unlabelled faces, before the starting point.
    const have = [...(opts.exclude ?? []).slice(0, 200), ...rows.map((r) => r.id)];
    const more = await db.face.findMany({
      where: { label: null, photo: { evalSetId: null }, ...(have.length ? { id: { notIn: have } } : {}) },
      orderBy: order,
      take: limit - rows.length,
      select: faceCard,
    });
    rows = [...rows, ...more];
  }
  return rows.map(toCard);
}

export async function getFaceCards(db: Db, ids: string[]): Promise<FaceCard[]> {
  const rows = await db.face.findMany({ where: { id: { in: ids } }, select: faceCard });
  const byId = new Map(rows.map((r) => [r.id, toCard(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export type HistoryEntry = {
  id: string;
  at: Date;
  kind: string;
  oldLabel: string | null;
  newLabel: string | null;
  user: { id: string; email: string; name: string | null };
};

/** A face with its photo, uploader and every label change, newest first. */
export async function faceWithHistory(db: Db, id: string) {
  const face = await db.face.findUnique({
    where: { id },
    include: {
      photo: { select: { id: true, width: true, height: true, originalName: true, uploader: { select: { email: true, name: true } } } },
      labelledBy: { select: { email: true, name: true } },
    },
  });
  if (!face) return null;
  const events = await db.labelEvent.findMany({
    where: { faceId: id },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: 500,
    select: { id: true, createdAt: true, kind: true, oldLabel: true, newLabel: true, user: { select: { id: true, email: true, name: true } } },
  });
  const history: HistoryEntry[] = events.map((e) => ({ id: e.id, at: e.createdAt, kind: e.kind, oldLabel: e.oldLabel, newLabel: e.newLabel, user: e.user }));
  return { face, history };
}
