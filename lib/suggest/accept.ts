// Reading and acting on the promoted model's suggestions (written by lib/suggest/job.ts):
// a face as JSON (`GET /api/faces/<id>`), bulk-accepting the suggestions of a grid selection, and
// the rows `npm run cli -- suggest` prints.
import type { Db } from '../db';
import { type Actor, requireRole } from '../auth/roles';
import { UserError } from '../errors';
import { CLASSES, type FaceClass } from '../classes';
import { applyLabels, type FaceSuggestion, MAX_BATCH, newBatchId } from '../dataset/labels';
import { faceForViewer } from '../dataset/reviews';

export type FaceJson = {
  id: string;
  photoId: string;
  index: number;
  box: { x: number; y: number; w: number; h: number };
  wholeImage: boolean;
  label: string | null;
  split: string | null;
  /** The promoted model's suggestion, while the face is unlabelled. */
  suggestion: FaceSuggestion | null;
};

/** One face as the API shows it to `actor` (a pending blind second opinion of theirs hides its label). */
export async function faceJson(db: Db, actor: Actor, id: string): Promise<FaceJson | null> {
  const found = await faceForViewer(db, actor, id);
  if (!found) return null;
  const f = found.face;
  const s = f.label === null && !found.blind ? await db.suggestion.findUnique({ where: { faceId: id } }) : null;
  return {
    id: f.id,
    photoId: f.photoId,
    index: f.index,
    box: { x: f.x, y: f.y, w: f.w, h: f.h },
    wholeImage: f.wholeImage,
    label: f.label,
    split: f.split,
    suggestion: s ? { class: s.label, confidence: s.confidence, runId: s.runId } : null,
  };
}

export type AcceptResult = {
  /** Faces of the selection that are unlabelled and have a suggestion (what an accept labels). */
  faces: number;
  /** Per suggested class. */
  perClass: Record<FaceClass, number>;
  /** Faces labelled (0 on a dry run). */
  accepted: number;
  /** The bulk action's id (one undo reverts all of it); null on a dry run or when nothing changed. */
  batchId: string | null;
};

/**
 * Labels every unlabelled face of `faceIds` that has a suggestion with its suggested class, as one
 * bulk action (one batch id: `undoLastLabel` reverts all of it). `dryRun` only counts, for the
 * confirmation. Labelled faces and faces without a suggestion are left alone.
 */
export async function acceptSuggestions(db: Db, actor: Actor, faceIds: string[], opts: { dryRun?: boolean } = {}): Promise<AcceptResult> {
  requireRole(actor, 'labeler');
  const ids = [...new Set(faceIds)];
  if (ids.length === 0) throw new UserError('Choose at least one face');
  if (ids.length > MAX_BATCH) throw new UserError(`At most ${MAX_BATCH} faces at once`);
  const perClass = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<FaceClass, number>;
  const run = async (tx: Parameters<Parameters<Db['$transaction']>[0]>[0]) => {
    const rows = await tx.suggestion.findMany({ where: { faceId: { in: ids }, face: { label: null } }, select: { faceId: true, label: true } });
    const groups = new Map<FaceClass, string[]>();
    for (const r of rows) {
      const c = r.label as FaceClass;
      if (!(c in perClass)) continue;
      perClass[c]++;
      groups.set(c, [...(groups.get(c) ?? []), r.faceId]);
    }
    const faces = [...groups.values()].reduce((n, g) => n + g.length, 0);
    if (opts.dryRun || faces === 0) return { faces, perClass, accepted: 0, batchId: null };
    const batchId = newBatchId();
    let accepted = 0;
    for (const [c, group] of groups) accepted += (await applyLabels(tx, actor.id, group, c, 'label', { batchId })).changed.length;
    return { faces, perClass, accepted, batchId };
  };
  return opts.dryRun ? run(db as unknown as Parameters<typeof run>[0]) : db.$transaction(run);
}

export type SuggestionLine = { faceId: string; file: string; suggested: string; confidence: number; probs: Record<string, number> };

/** The current suggestions (of `runId`) of unlabelled faces, by face id (CLI `suggest --json`). */
export async function* suggestionLines(db: Db, runId: string): AsyncGenerator<SuggestionLine> {
  let cursor: string | undefined;
  for (;;) {
    const rows = await db.suggestion.findMany({
      where: { runId, face: { label: null } },
      orderBy: { faceId: 'asc' },
      take: 1000,
      ...(cursor ? { cursor: { faceId: cursor }, skip: 1 } : {}),
      select: { faceId: true, label: true, confidence: true, probs: true, face: { select: { photo: { select: { originalName: true } } } } },
    });
    for (const r of rows) {
      const p = JSON.parse(r.probs) as number[];
      yield { faceId: r.faceId, file: r.face.photo.originalName, suggested: r.label, confidence: r.confidence, probs: Object.fromEntries(CLASSES.map((c, i) => [c, p[i]])) };
    }
    if (rows.length < 1000) return;
    cursor = rows[rows.length - 1].faceId;
  }
}
