// Labelling: assign, exclude, undo, the queue of unlabelled faces and a face's history.
// Every change is a LabelEvent row; Face.label is the denormalised latest label, written
// in the same transaction as its event. Viewers are refused here, not only in the UI.
import crypto from 'node:crypto';
import { z } from 'zod';
import { chunks, type Db, isPostgres, type Prisma, type Tx } from '../db';
import { type Actor, requireRole } from '../auth/roles';
import { UserError } from '../errors';
import { type FaceClass, type Label, LABELS } from '../classes';

export const labelSchema = z.enum(LABELS, { message: `A label is one of ${LABELS.join(', ')}` });

export const MAX_BATCH = 5000; // a grid selection of "all matching" (gallery.ts MAX_FILTER_SELECTION)

export const assignSchema = z.object({
  faceIds: z.array(z.string().min(1)).min(1, 'Choose at least one face').max(MAX_BATCH, `At most ${MAX_BATCH} faces at once`),
  label: labelSchema,
});

export type LabelChange = {
  faceId: string;
  oldLabel: string | null;
  newLabel: string | null;
  /** An undo of a bulk action: its batch and how many faces got their previous label back. */
  batch?: { id: string; faces: number };
};

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
): Promise<{ changed: LabelChange[]; unchanged: number; batchId: string | null }> {
  requireRole(actor, kind === 'resolve' ? 'admin' : 'labeler');
  const { faceIds: ids, label: newLabel } = assignSchema.parse({ faceIds: [...new Set(faceIds)], label });
  // Labelling a face one owes a blind second opinion would reveal (and overwrite) the first label.
  let owed = 0;
  for (const slice of chunks(ids)) owed += await db.review.count({ where: { faceId: { in: slice }, status: 'pending', reviewerId: actor.id } });
  if (owed > 0) throw new UserError('You owe a blind second opinion on this face: give it on the Reviews page', 409);
  return db.$transaction((tx) => applyLabels(tx, actor.id, ids, newLabel, kind));
}

/** A new id shared by the events of one bulk action (undone together). */
export const newBatchId = () => `b${Date.now().toString(36)}${crypto.randomBytes(6).toString('hex')}`;

/** The body of assignLabels, for callers that already hold a transaction (role checked by them). */
export async function applyLabels(
  tx: Tx,
  userId: string,
  ids: string[],
  newLabel: Label,
  kind: 'label' | 'resolve',
  /** The bulk action these events belong to (default: a new batch when more than one face changes). */
  opts: { batchId?: string } = {},
): Promise<{ changed: LabelChange[]; unchanged: number; batchId: string | null }> {
  const faces = await tx.face.findMany({ where: { id: { in: ids } }, select: { id: true, label: true, photoId: true } });
  if (faces.length !== ids.length) {
    const found = new Set(faces.map((f) => f.id));
    const missing = ids.filter((id) => !found.has(id));
    throw new UserError(`No face with id ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? '…' : ''}`, 404);
  }
  // A resolve is recorded even when it keeps the label: the history shows who decided.
  const todo = faces.filter((f) => kind === 'resolve' || f.label !== newLabel);
  const changed: LabelChange[] = todo.map((f) => ({ faceId: f.id, oldLabel: f.label, newLabel }));
  if (changed.length === 0) return { changed, unchanged: faces.length, batchId: null };
  const now = new Date();
  // The model's suggestion, where the face was unlabelled and had one (what the labeller was shown).
  const fresh = todo.filter((f) => f.label === null).map((f) => f.id);
  const suggestions = fresh.length
    ? new Map((await tx.suggestion.findMany({ where: { faceId: { in: fresh } }, select: { faceId: true, label: true } })).map((x) => [x.faceId, x.label]))
    : new Map<string, string>();
  // More than one face at once (a grid selection, a bulk accept): one batch, undone together.
  const batchId = opts.batchId ?? (todo.length > 1 && kind === 'label' ? newBatchId() : null);
  await createEvents(
    tx,
    todo.map((f) => {
      const suggested = f.label === null ? (suggestions.get(f.id) ?? null) : null;
      return { faceId: f.id, photoId: f.photoId, userId, oldLabel: f.label, newLabel, kind, createdAt: now, batchId, suggested, accepted: suggested === null ? null : suggested === newLabel };
    }),
  );
  for (const ids of chunks(changed.map((c) => c.faceId))) {
    await tx.face.updateMany({ where: { id: { in: ids } }, data: { label: newLabel, labelledById: userId, labelledAt: now } });
    // A suspected label error was about the old label: it (and a "kept" mark on it) no longer applies.
    await tx.labelError.deleteMany({ where: { faceId: { in: ids }, label: { not: newLabel } } });
  }
  return { changed, unchanged: faces.length - changed.length, batchId };
}

/** Label events in chunks (a bulk action of thousands of rows would pass the database's limit of bound values). */
async function createEvents(tx: Tx, rows: Prisma.LabelEventCreateManyInput[]): Promise<void> {
  for (const data of chunks(rows, 1000)) await tx.labelEvent.createMany({ data });
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
      select: { id: true, faceId: true, photoId: true, oldLabel: true, newLabel: true, kind: true, createdAt: true, batchId: true },
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
    if (target.batchId) return undoBatch(tx, actor, target.batchId);
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

/**
 * Undoes what is still in effect of one bulk action of the actor's: every face of the batch that
 * still carries the batch's label from them (labels someone changed since are left alone) gets its
 * previous label back; the undo events share the batch id. Returns the first face's change, with
 * the number of faces restored.
 */
async function undoBatch(tx: Tx, actor: Actor, batchId: string): Promise<LabelChange> {
  const events = await tx.labelEvent.findMany({
    where: { batchId, userId: actor.id, kind: 'label' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true, faceId: true, photoId: true, oldLabel: true, newLabel: true, createdAt: true },
  });
  const faces = await tx.face.findMany({
    where: { id: { in: events.map((e) => e.faceId) } },
    select: { id: true, label: true, labelledById: true, labelledAt: true },
  });
  const byId = new Map(faces.map((f) => [f.id, f]));
  const live = events.filter((e) => {
    const f = byId.get(e.faceId);
    return !!f && f.label === e.newLabel && f.labelledById === actor.id && f.labelledAt?.getTime() === e.createdAt.getTime();
  });
  const now = new Date();
  await createEvents(
    tx,
    live.map((e) => ({ faceId: e.faceId, photoId: e.photoId, userId: actor.id, oldLabel: e.newLabel, newLabel: e.oldLabel, kind: 'undo', batchId, createdAt: now })),
  );
  const toNull = live.filter((e) => e.oldLabel === null).map((e) => e.faceId);
  for (const ids of chunks(toNull)) await tx.face.updateMany({ where: { id: { in: ids } }, data: { label: null, labelledById: null, labelledAt: null } });
  for (const e of live.filter((x) => x.oldLabel !== null)) {
    const previous = await previousEvent(tx, e.faceId, e.oldLabel!, e.createdAt, e.id);
    await tx.face.update({
      where: { id: e.faceId },
      data: { label: e.oldLabel, labelledById: previous?.userId ?? actor.id, labelledAt: previous?.createdAt ?? now },
    });
  }
  const first = live[0] ?? events[0];
  return { faceId: first.faceId, oldLabel: first.newLabel, newLabel: first.oldLabel, batch: { id: batchId, faces: live.length } };
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
  suggestion: { select: { label: true, confidence: true, runId: true } },
} satisfies Prisma.FaceSelect;

/** The promoted model's suggestion for an unlabelled face (lib/suggest/job.ts). */
export type FaceSuggestion = { class: string; confidence: number; runId: string };

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
  /** Only while the face is unlabelled. */
  suggestion: FaceSuggestion | null;
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
  suggestion: f.label === null && f.suggestion ? { class: f.suggestion.label, confidence: f.suggestion.confidence, runId: f.suggestion.runId } : null,
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

export const QUEUE_ORDERS = ['uncertain', 'imported', 'suggested'] as const;
export type QueueOrder = (typeof QUEUE_ORDERS)[number];

export type QueueOptions = {
  /** Continue after this face (a cursor that stays valid when that face gets labelled meanwhile). */
  after?: string;
  /** "As imported" without `after`: start at a position derived from this key (the user id), so that labelers who start together do not work on the same faces. */
  spreadKey?: string;
  limit?: number;
  /** Ids the caller already holds (skipped faces, say): never returned. */
  exclude?: string[];
  /**
   * `imported` (default): upload order. `uncertain`: the faces the model is least sure of first
   * (lowest suggestion confidence), then the faces without a suggestion yet, in upload order.
   * `suggested`: only faces suggested as `suggested`, most confident first.
   */
  order?: QueueOrder;
  suggested?: FaceClass;
};

/** True when some unlabelled face has a suggestion (the desk then starts least confident first). */
export async function hasSuggestions(db: Db): Promise<boolean> {
  return (await db.suggestion.findFirst({ where: { face: { label: null } }, select: { faceId: true } })) !== null;
}

/** Evaluation sets' faces are no labelling work (a partially labelled one has label null). */
const LABELLING_WORK: Prisma.FaceWhereInput = { photo: { evalSetId: null } };

type Segment = {
  where: Prisma.FaceWhereInput;
  orderBy: Prisma.FaceOrderByWithRelationInput[];
  /** Faces after the cursor face in this segment's order, or null when the cursor face is not in it. */
  after: (id: string) => Promise<Prisma.FaceWhereInput | null>;
  /** The segment's next face ids, when it reads them itself (after the cursor face `afterId`, none of `have`). */
  ids?: (afterId: string | null, have: string[], take: number) => Promise<string[]>;
};

const IMPORT_ORDER: Prisma.FaceOrderByWithRelationInput[] = [{ createdAt: 'asc' }, { id: 'asc' }];

function importedSegment(db: Db, where: Prisma.FaceWhereInput): Segment {
  return {
    where,
    orderBy: IMPORT_ORDER,
    after: async (id) => {
      const cur = await db.face.findUnique({ where: { id }, select: { createdAt: true, suggestion: { select: { faceId: true } } } });
      if (!cur) return null;
      if (where.suggestion === null && cur.suggestion) return null;
      return { OR: [{ createdAt: { gt: cur.createdAt } }, { createdAt: cur.createdAt, id: { gt: id } }] };
    },
  };
}

function confidenceSegment(db: Db, dir: 'asc' | 'desc', suggested?: FaceClass): Segment {
  const is: Prisma.SuggestionWhereInput = suggested ? { label: suggested } : {};
  return {
    where: { label: null, ...LABELLING_WORK, suggestion: { is } },
    orderBy: [{ suggestion: { confidence: dir } }, { id: 'asc' }],
    after: async (id) => {
      const cur = await db.suggestion.findUnique({ where: { faceId: id }, select: { confidence: true, label: true } });
      if (!cur || (suggested && cur.label !== suggested)) return null;
      const c = cur.confidence;
      return { OR: [{ suggestion: { is: { confidence: dir === 'asc' ? { gt: c } : { lt: c } } } }, { suggestion: { is: { confidence: c } }, id: { gt: id } }] };
    },
    // Walked from the suggestions' index (confidence, faceId) [or (label, confidence, faceId)], a face at a time:
    // ordered through the face (Prisma's join) PostgreSQL sorted all 80,000 suggested faces for the first 20
    // (80 ms at 200,000 faces; 0.7 ms this way).
    ids: async (afterId, have, take) => {
      const pg = isPostgres(db);
      const params: unknown[] = [];
      const bind = (v: unknown) => {
        params.push(v);
        return pg ? `$${params.length}` : '?';
      };
      const where = [`f."label" IS NULL`, `p."evalSetId" IS NULL`];
      if (suggested) where.push(`s."label" = ${bind(suggested)}`);
      if (afterId) {
        const cur = await db.suggestion.findUnique({ where: { faceId: afterId }, select: { confidence: true } });
        if (cur) where.push(`(s."confidence" ${dir === 'asc' ? '>' : '<'} ${bind(cur.confidence)} OR (s."confidence" = ${bind(cur.confidence)} AND s."faceId" > ${bind(afterId)}))`);
      }
      if (have.length) where.push(`s."faceId" NOT IN (${have.map(bind).join(', ')})`);
      const rows = await db.$queryRawUnsafe<{ id: string }[]>(
        `SELECT s."faceId" AS id FROM "Suggestion" s JOIN "Face" f ON f."id" = s."faceId" JOIN "Photo" p ON p."id" = f."photoId"
         WHERE ${where.join(' AND ')} ORDER BY s."confidence" ${dir === 'asc' ? 'ASC' : 'DESC'}, s."faceId" ASC LIMIT ${Math.max(0, Math.floor(take))}`,
        ...params,
      );
      return rows.map((r) => r.id);
    },
  };
}

/**
 * The next unlabelled faces in the chosen order, from the cursor (or, as imported, the labeler's
 * own starting point) to the end, then wrapping round to the start.
 */
export async function labelQueue(db: Db, opts: QueueOptions = {}): Promise<FaceCard[]> {
  const limit = Math.min(Math.max(opts.limit ?? 20, 1), 100);
  const exclude = (opts.exclude ?? []).slice(0, 200);
  const order = opts.order ?? 'imported';
  const segments: Segment[] =
    order === 'uncertain'
      ? [confidenceSegment(db, 'asc'), importedSegment(db, { label: null, suggestion: null, ...LABELLING_WORK })]
      : order === 'suggested' && opts.suggested
        ? [confidenceSegment(db, 'desc', opts.suggested)]
        : [importedSegment(db, { label: null, ...LABELLING_WORK })];
  const rows: FaceRow[] = [];
  const take = async (seg: Segment, extra: Prisma.FaceWhereInput | null, skip = 0) => {
    const have = [...exclude, ...rows.map((r) => r.id)];
    if (seg.ids && skip === 0) {
      const ids = await seg.ids(extra ? (opts.after ?? null) : null, have, limit - rows.length);
      const byId = new Map((await db.face.findMany({ where: { id: { in: ids } }, select: faceCard })).map((r) => [r.id, r]));
      rows.push(...ids.flatMap((id) => byId.get(id) ?? []));
      return;
    }
    const where: Prisma.FaceWhereInput = { AND: [seg.where, ...(extra ? [extra] : []), ...(have.length ? [{ id: { notIn: have } }] : [])] };
    rows.push(...(await db.face.findMany({ where, orderBy: seg.orderBy, skip, take: limit - rows.length, select: faceCard })));
  };
  // Where to start: after the cursor face (in the segment that holds it), or at the labeler's spread point.
  let start = 0;
  let cursor: Prisma.FaceWhereInput | null = null;
  if (opts.after) {
    for (let i = 0; i < segments.length && !cursor; i++) {
      cursor = await segments[i].after(opts.after);
      if (cursor) start = i;
    }
  }
  if (!cursor && !opts.after && opts.spreadKey && order === 'imported') {
    // The labeller's point in upload order, found among all unlabelled faces on the index (label, createdAt, id)
    // alone; the queue starts after it. (An OFFSET into the queue itself, which joins every face with its photo
    // to leave evaluation sets out, read every face before the point: 150 ms at 200,000 faces.)
    const total = await db.face.count({ where: { label: null } });
    const skip = Math.floor(unitHash(opts.spreadKey) * total);
    const at = skip > 0 ? await db.face.findFirst({ where: { label: null }, orderBy: IMPORT_ORDER, skip: skip - 1, select: { id: true, createdAt: true } }) : null;
    await take(segments[0], at ? { OR: [{ createdAt: { gt: at.createdAt } }, { createdAt: at.createdAt, id: { gt: at.id } }] } : null);
  } else {
    for (let i = start; i < segments.length && rows.length < limit; i++) await take(segments[i], i === start ? cursor : null);
  }
  // Wrap round: the start of the queue, before the starting point.
  if (rows.length < limit && (cursor || opts.spreadKey)) {
    for (const seg of segments) if (rows.length < limit) await take(seg, null);
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
