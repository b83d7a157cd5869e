// Suspected label errors as the web app and the CLI read them: queue the finder, list the ranked
// faces, keep a label ("it is right"), count the open ones. No ML imports (the web app imports this;
// the worker runs lib/label-errors/job.ts).
import { z } from 'zod';
import type { Db } from '../db';
import { decodeCursor, type Page, pageOf } from '../db/cursor';
import { type Actor, requireRole } from '../auth/roles';
import { UserError } from '../errors';
import { blindFaceIds } from '../dataset/reviews';
import { queueSingleJob } from '../queue/jobs';
import { SUSPECT_SCORE } from './rank';

export const LABEL_ERRORS_JOB = 'label-errors';
/** One fold of a label-errors job (lib/label-errors/job.ts), run by any idle worker. */
export const LABEL_ERRORS_FOLD_JOB = 'label-errors-fold';

export const labelErrorsPayloadSchema = z.object({
  folds: z.number().int().min(2).max(10).default(5),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1337),
});

export function queueLabelErrors(db: Db, actorId: string | null, payload: Partial<z.input<typeof labelErrorsPayloadSchema>> = {}) {
  return queueSingleJob(db, LABEL_ERRORS_JOB, actorId, labelErrorsPayloadSchema.parse(payload));
}

/** The latest label-error job (for the page's status line). */
export function lastLabelErrorsJob(db: Db) {
  return db.job.findFirst({ where: { type: LABEL_ERRORS_JOB }, orderBy: { createdAt: 'desc' }, select: { id: true, status: true, error: true, progress: true, createdAt: true, finishedAt: true } });
}

export type LabelErrorItem = {
  faceId: string;
  photoId: string;
  file: string;
  label: string;
  suggested: string;
  score: number;
  probs: number[];
  computedAt: Date;
};

/**
 * Ranked suspected label errors not kept yet (most suspicious first), one page. Faces the actor owes
 * a blind second opinion are left out (their label must stay hidden from them).
 */
export async function listLabelErrors(
  db: Db,
  actor: Pick<Actor, 'id'> | null,
  { page = 1, pageSize = 24, minScore = 0 }: { page?: number; pageSize?: number; minScore?: number } = {},
): Promise<{ items: LabelErrorItem[]; total: number; kept: number }> {
  const blind = actor ? await blindFaceIds(db, actor) : new Set<string>();
  const where = { keptAt: null, score: { gte: minScore }, ...(blind.size ? { faceId: { notIn: [...blind] } } : {}) };
  const [rows, total, kept] = await Promise.all([
    db.labelError.findMany({
      where,
      orderBy: [{ score: 'desc' }, { faceId: 'asc' }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      include: withFace,
    }),
    db.labelError.count({ where }),
    db.labelError.count({ where: { keptAt: { not: null } } }),
  ]);
  return {
    items: rows.map(toItem),
    total,
    kept,
  };
}

const withFace = { face: { select: { photoId: true, photo: { select: { originalName: true } } } } } as const;

function toItem(r: { faceId: string; label: string; suggested: string; score: number; probs: string; computedAt: Date; face: { photoId: string; photo: { originalName: string } } }): LabelErrorItem {
  return {
    faceId: r.faceId,
    photoId: r.face.photoId,
    file: r.face.photo.originalName,
    label: r.label,
    suggested: r.suggested,
    score: r.score,
    probs: JSON.parse(r.probs) as number[],
    computedAt: r.computedAt,
  };
}

/** The same list as `listLabelErrors` (same order, same blind rule), by cursor (lib/db/cursor.ts), for the API. */
export async function labelErrorsPage(
  db: Db,
  actor: Pick<Actor, 'id'> | null,
  { cursor, limit, minScore = 0 }: { cursor?: string; limit: number; minScore?: number },
): Promise<Page<LabelErrorItem> & { total: number; kept: number }> {
  const blind = actor ? await blindFaceIds(db, actor) : new Set<string>();
  const where = { keptAt: null, score: { gte: minScore }, ...(blind.size ? { faceId: { notIn: [...blind] } } : {}) };
  let after = {};
  if (cursor) {
    const [score, faceId] = decodeCursor(cursor, ['number', 'string']);
    after = { OR: [{ score: { lt: score } }, { score, faceId: { gt: faceId } }] };
  }
  const [rows, total, kept] = await Promise.all([
    db.labelError.findMany({ where: { AND: [where, after] }, orderBy: [{ score: 'desc' }, { faceId: 'asc' }], take: limit + 1, include: withFace }),
    db.labelError.count({ where }),
    db.labelError.count({ where: { keptAt: { not: null } } }),
  ]);
  return { ...pageOf(rows, limit, (r) => [r.score, r.faceId], toItem), total, kept };
}

/** "The label is right": the face is not listed again until its label changes. */
export async function keepLabel(db: Db, actor: Actor, faceId: string): Promise<void> {
  requireRole(actor, 'labeler');
  const r = await db.labelError.updateMany({ where: { faceId }, data: { keptById: actor.id, keptAt: new Date() } });
  if (r.count === 0) throw new UserError('This face is not listed as a suspected label error (any more)', 404);
}

/** Open suspected label errors: score at least SUSPECT_SCORE and not kept (the Dashboard's figure). */
export function openLabelErrorCount(db: Db, minScore = SUSPECT_SCORE): Promise<number> {
  return db.labelError.count({ where: { keptAt: null, score: { gte: minScore } } });
}
