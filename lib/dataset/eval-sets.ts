// Evaluation sets: imports kept apart from training. Their photos carry Photo.evalSetId; their
// faces are never split (lib/dataset/split.ts), never trained on or used for model choice, and
// never offered as labelling work; every run reports metrics and slices on each set
// (lib/training/evaluation.ts). A set may label only one attribute: Face.attrLabel young|old
// (scored on age) or mask|nomask (scored on mask), the label staying null.
import type { Db } from '../db';
import { UserError } from '../errors';
import { CLASSES } from '../classes';

export const ATTR_LABELS = ['old', 'young', 'mask', 'nomask'] as const;
export type AttrLabel = (typeof ATTR_LABELS)[number];
export const isAttrLabel = (v: unknown): v is AttrLabel => typeof v === 'string' && (ATTR_LABELS as readonly string[]).includes(v);

/** An attribute from a folder name (case, -, _ and spaces ignored: "No-Mask" → nomask); null if none. */
export function parseAttrLabel(name: string | null | undefined): AttrLabel | null {
  if (!name) return null;
  const n = name.trim().toLowerCase().replace(/[\s_-]+/g, '');
  return isAttrLabel(n) ? n : null;
}

export const evalSetNameSchemaMax = 80;

export function checkEvalSetName(name: string): string {
  const n = name.trim();
  if (!n || n.length > evalSetNameSchemaMax) throw new UserError(`an evaluation set name must be 1–${evalSetNameSchemaMax} characters`);
  return n;
}

/** The set of that name, created when new. */
export async function ensureEvalSet(db: Db, name: string, createdById: string | null) {
  const n = checkEvalSetName(name);
  return db.evalSet.upsert({ where: { name: n }, create: { name: n, createdById }, update: {} });
}

/**
 * Marks every photo of a past import batch (Photo.batch) as part of an evaluation set; their faces
 * leave their split (runs from now on neither train nor choose models on them; past runs keep
 * their frozen snapshot).
 */
export async function markBatchAsEvalSet(db: Db, input: { batch: string; name: string; actorId: string | null }) {
  const photos = await db.photo.count({ where: { batch: input.batch } });
  if (photos === 0) throw new UserError(`no photos were imported as batch "${input.batch}"`);
  const set = await ensureEvalSet(db, input.name, input.actorId);
  const [marked, faces] = await db.$transaction([
    db.photo.updateMany({ where: { batch: input.batch }, data: { evalSetId: set.id } }),
    db.face.updateMany({ where: { photo: { batch: input.batch } }, data: { split: null } }),
  ]);
  return { id: set.id, name: set.name, photos: marked.count, faces: faces.count };
}

export type EvalSetSummary = { id: string; name: string; photos: number; faces: number; classLabelled: number; age: number; mask: number; createdAt: string };

/** The evaluation sets with their counts (per set: counted in the database). */
export async function listEvalSets(db: Db): Promise<EvalSetSummary[]> {
  const sets = await db.evalSet.findMany({ orderBy: { name: 'asc' }, include: { _count: { select: { photos: true } } } });
  return Promise.all(
    sets.map(async (s) => {
      const inSet = { photo: { evalSetId: s.id } };
      const [faces, classLabelled, attrs] = await Promise.all([
        db.face.count({ where: inSet }),
        db.face.count({ where: { ...inSet, label: { in: [...CLASSES] } } }),
        db.face.groupBy({ by: ['attrLabel'], where: { ...inSet, attrLabel: { in: [...ATTR_LABELS] } }, _count: { _all: true } }),
      ]);
      const n = (a: string) => attrs.find((r) => r.attrLabel === a)?._count._all ?? 0;
      return { id: s.id, name: s.name, photos: s._count.photos, faces, classLabelled, age: n('old') + n('young'), mask: n('mask') + n('nomask'), createdAt: s.createdAt.toISOString() };
    }),
  );
}

/** Import batches not (yet) in an evaluation set, newest first, with their photo counts. */
export async function importBatches(db: Db): Promise<{ batch: string; photos: number }[]> {
  const rows = await db.photo.groupBy({ by: ['batch'], where: { batch: { not: null }, evalSetId: null }, _count: { _all: true }, _max: { createdAt: true } });
  return rows
    .sort((a, b) => (b._max.createdAt?.getTime() ?? 0) - (a._max.createdAt?.getTime() ?? 0))
    .map((r) => ({ batch: r.batch!, photos: r._count._all }));
}

export const REQUIRE_NO_EVAL_DROP_KEY = 'promotion.requireNoEvalDrop';

/** When on, a run that scores lower than the promoted model on any evaluation set is not promoted automatically. */
export async function requireNoEvalDrop(db: Db): Promise<boolean> {
  const row = await db.setting.findUnique({ where: { key: REQUIRE_NO_EVAL_DROP_KEY } });
  if (!row) return false;
  try {
    return JSON.parse(row.value) === true;
  } catch {
    return false;
  }
}

export async function setRequireNoEvalDrop(db: Db, on: boolean): Promise<void> {
  const value = JSON.stringify(on);
  await db.setting.upsert({ where: { key: REQUIRE_NO_EVAL_DROP_KEY }, create: { key: REQUIRE_NO_EVAL_DROP_KEY, value }, update: { value } });
}
