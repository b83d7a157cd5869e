// Second opinions: an admin asks for a blind second label on a share of the labelled
// faces; a different labeler gives it without seeing the first; disagreements wait for
// the admin, whose decision becomes the face's label (a "resolve" event).
import { z } from 'zod';
import type { Db } from '../db';
import { type Actor, requireRole } from '../auth/roles';
import { ForbiddenError, UserError } from '../errors';
import type { Label } from '../classes';
import { applyLabels, type FaceCard, faceWithHistory, getFaceCards, labelSchema } from './labels';

export const DEFAULT_REVIEW_SHARE = 0.1;
export const shareSchema = z.coerce
  .number({ message: 'The share is a number between 0 and 1' })
  .gt(0, 'The share must be above 0%')
  .max(1, 'The share is at most 100%');

/**
 * Makes sure `share` of the labelled faces have a second opinion asked for: picks the
 * missing number at random among labelled faces that have none yet. Asking twice for the
 * same share adds nothing; asking again after more labelling adds the difference.
 */
export async function requestReviews(db: Db, actor: Actor, share: number = DEFAULT_REVIEW_SHARE): Promise<{ created: number; reviewed: number; labelled: number }> {
  requireRole(actor, 'admin');
  const s = shareSchema.parse(share);
  const [labelled, reviewedRows] = await Promise.all([
    db.face.count({ where: { label: { not: null }, labelledById: { not: null } } }),
    db.$queryRaw<{ n: number | bigint }[]>`SELECT COUNT(DISTINCT "faceId") AS n FROM "Review"`.then((r) => Number(r[0]?.n ?? 0)),
  ]);
  const want = Math.ceil(s * labelled) - reviewedRows;
  if (want <= 0) return { created: 0, reviewed: reviewedRows, labelled };
  const picked = await db.$queryRaw<{ id: string; label: string; labelledById: string }[]>`
    SELECT f."id", f."label", f."labelledById" FROM "Face" f
    WHERE f."label" IS NOT NULL AND f."labelledById" IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM "Review" r WHERE r."faceId" = f."id")
    ORDER BY RANDOM() LIMIT ${want}`;
  await db.review.createMany({
    data: picked.map((p) => ({ faceId: p.id, requestedById: actor.id, firstLabel: p.label, firstUserId: p.labelledById })),
  });
  return { created: picked.length, reviewed: reviewedRows + picked.length, labelled };
}

export type BlindReview = { reviewId: string; face: FaceCard };

/**
 * The actor's next review: one already claimed by them, else a pending one whose first
 * label is someone else's, which is then claimed. The first label is never returned.
 */
export async function nextReview(db: Db, actor: Actor): Promise<BlindReview | null> {
  requireRole(actor, 'labeler');
  for (let attempt = 0; attempt < 5; attempt++) {
    const mine = await db.review.findFirst({
      where: { status: 'pending', reviewerId: actor.id },
      orderBy: { createdAt: 'asc' },
      select: { id: true, faceId: true },
    });
    const candidate =
      mine ??
      (await db.review.findFirst({
        where: { status: 'pending', reviewerId: null, OR: [{ firstUserId: null }, { firstUserId: { not: actor.id } }] },
        orderBy: { createdAt: 'asc' },
        select: { id: true, faceId: true },
      }));
    if (!candidate) return null;
    if (!mine) {
      const claimed = await db.review.updateMany({ where: { id: candidate.id, reviewerId: null }, data: { reviewerId: actor.id } });
      if (claimed.count === 0) continue; // someone else claimed it meanwhile
    }
    const [face] = await getFaceCards(db, [candidate.faceId]);
    if (!face) continue;
    return { reviewId: candidate.id, face: { ...face, label: null } }; // blind
  }
  return null;
}

/**
 * Faces the user holds a pending second opinion on: they must not see the first label
 * anywhere (face page, history, grids, filters, photo page) until they have answered.
 */
export async function blindFaceIds(db: Db, actor: Pick<Actor, 'id'>): Promise<Set<string>> {
  const rows = await db.review.findMany({ where: { status: 'pending', reviewerId: actor.id }, select: { faceId: true } });
  return new Set(rows.map((r) => r.faceId));
}

/** The items with the label of blind faces taken out. */
export function redactBlind<T extends { id: string; label: string | null }>(items: T[], blind: Set<string>): T[] {
  return blind.size === 0 ? items : items.map((x) => (blind.has(x.id) ? { ...x, label: null } : x));
}

/**
 * The face page's data as this user may see it: for a reviewer with a pending review of
 * the face, no label, no labeller and no history (`blind: true`).
 */
export async function faceForViewer(db: Db, actor: Actor, id: string) {
  const found = await faceWithHistory(db, id);
  if (!found) return null;
  const blind = (await db.review.count({ where: { faceId: id, status: 'pending', reviewerId: actor.id } })) > 0;
  if (!blind) return { ...found, blind };
  return { face: { ...found.face, label: null, labelledBy: null, labelledById: null }, history: [], blind };
}

export async function pendingReviewCount(db: Db, actor: Actor): Promise<number> {
  return db.review.count({
    where: {
      status: 'pending',
      OR: [{ reviewerId: actor.id }, { reviewerId: null, OR: [{ firstUserId: null }, { firstUserId: { not: actor.id } }] }],
    },
  });
}

/** Records the second opinion; agreed when it matches the first label. */
export async function answerReview(db: Db, actor: Actor, reviewId: string, label: Label): Promise<{ status: 'agreed' | 'disagreed' }> {
  requireRole(actor, 'labeler');
  const l = labelSchema.parse(label);
  const review = await db.review.findUnique({ where: { id: reviewId } });
  if (!review) throw new UserError('No such review', 404);
  if (review.firstUserId === actor.id) throw new ForbiddenError('A second opinion must come from a different labeler');
  if (review.status !== 'pending') throw new UserError('This review has already been answered', 409);
  if (review.reviewerId && review.reviewerId !== actor.id) throw new UserError('This review was given to another labeler', 409);
  const status = l === review.firstLabel ? 'agreed' : 'disagreed';
  const done = await db.review.updateMany({
    where: { id: reviewId, status: 'pending' },
    data: { label: l, reviewerId: actor.id, answeredAt: new Date(), status },
  });
  if (done.count === 0) throw new UserError('This review has already been answered', 409);
  return { status };
}

export type Disagreement = {
  reviewId: string;
  face: FaceCard;
  firstLabel: string;
  firstUser: string | null;
  secondLabel: string;
  reviewer: string | null;
  answeredAt: Date | null;
};

export async function listDisagreements(db: Db, take = 50): Promise<{ items: Disagreement[]; total: number }> {
  const [total, rows] = await Promise.all([
    db.review.count({ where: { status: 'disagreed' } }),
    db.review.findMany({
      where: { status: 'disagreed' },
      orderBy: { answeredAt: 'asc' },
      take,
      select: { id: true, faceId: true, firstLabel: true, firstUserId: true, label: true, answeredAt: true, reviewer: { select: { email: true } } },
    }),
  ]);
  const faces = new Map((await getFaceCards(db, rows.map((r) => r.faceId))).map((f) => [f.id, f]));
  const firstIds = [...new Set(rows.flatMap((r) => (r.firstUserId ? [r.firstUserId] : [])))];
  const firstUsers = new Map(
    (firstIds.length ? await db.user.findMany({ where: { id: { in: firstIds } }, select: { id: true, email: true } }) : []).map((u) => [u.id, u.email]),
  );
  const items = rows.flatMap((r) => {
    const face = faces.get(r.faceId);
    if (!face) return [];
    return [
      {
        reviewId: r.id,
        face,
        firstLabel: r.firstLabel,
        firstUser: r.firstUserId ? (firstUsers.get(r.firstUserId) ?? null) : null,
        secondLabel: r.label ?? '',
        reviewer: r.reviewer?.email ?? null,
        answeredAt: r.answeredAt,
      },
    ];
  });
  return { items, total };
}

/** The admin's decision becomes the face's label, recorded as a "resolve" event. */
export async function resolveReview(db: Db, actor: Actor, reviewId: string, label: Label): Promise<void> {
  requireRole(actor, 'admin');
  const l = labelSchema.parse(label);
  await db.$transaction(async (tx) => {
    const review = await tx.review.findUnique({ where: { id: reviewId }, select: { faceId: true, status: true } });
    if (!review) throw new UserError('No such review', 404);
    if (review.status !== 'disagreed') throw new UserError('Only disagreements can be resolved', 409);
    await applyLabels(tx, actor.id, [review.faceId], l, 'resolve');
    await tx.review.update({ where: { id: reviewId }, data: { status: 'resolved', resolvedAt: new Date() } });
  });
}

export type Agreement = { userId: string; email: string; name: string | null; reviewed: number; agreed: number; rate: number };

/**
 * Per first labeler: how many of their labels got a second opinion, and the share the
 * second labeler agreed with. Resolved reviews were disagreements.
 */
export async function agreementByLabeler(db: Db): Promise<Agreement[]> {
  const rows = await db.review.groupBy({
    by: ['firstUserId', 'status'],
    where: { firstUserId: { not: null }, status: { in: ['agreed', 'disagreed', 'resolved'] } },
    _count: { _all: true },
  });
  const ids = [...new Set(rows.map((r) => r.firstUserId!))];
  if (ids.length === 0) return [];
  const users = await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true, name: true } });
  const out = new Map<string, Agreement>(users.map((u) => [u.id, { userId: u.id, email: u.email, name: u.name, reviewed: 0, agreed: 0, rate: 0 }]));
  for (const r of rows) {
    const a = out.get(r.firstUserId!);
    if (!a) continue;
    a.reviewed += r._count._all;
    if (r.status === 'agreed') a.agreed += r._count._all;
  }
  for (const a of out.values()) a.rate = a.reviewed ? a.agreed / a.reviewed : 0;
  return [...out.values()].sort((a, b) => a.rate - b.rate || b.reviewed - a.reviewed);
}

export async function reviewCounts(db: Db): Promise<Record<'pending' | 'agreed' | 'disagreed' | 'resolved', number>> {
  const rows = await db.review.groupBy({ by: ['status'], _count: { _all: true } });
  const out = { pending: 0, agreed: 0, disagreed: 0, resolved: 0 };
  for (const r of rows) if (r.status in out) out[r.status as keyof typeof out] = r._count._all;
  return out;
}
