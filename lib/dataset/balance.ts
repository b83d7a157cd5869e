// The balance of the dataset. Every number comes from database aggregation (groupBy,
// count, $queryRaw); no function here loads face rows.
import { z } from 'zod';
import { type Db, isPostgres } from '../db';
import { type Actor, requireRole } from '../auth/roles';
import { CLASSES, EXCLUDED, type FaceClass, isClass } from '../classes';
import { type Agreement, agreementByLabeler, reviewCounts } from './reviews';

export const DEFAULT_TARGET = 750; // the seed dataset's size per class
export const IMBALANCE_WARNING = 1.5;
export const TARGETS_KEY = 'classTargets';

export type PerClass = Record<FaceClass, number>;
const zeroes = (): PerClass => ({ mask_old: 0, mask_young: 0, nomask_old: 0, nomask_young: 0 });


// ---------------------------------------------------------------------------------------
// Targets (admin-set, stored in Setting)

export const targetsSchema = z.object(
  Object.fromEntries(
    CLASSES.map((c) => [c, z.coerce.number().int('Targets are whole numbers').min(1, 'A target is at least 1').max(1_000_000).optional()]),
  ) as Record<FaceClass, z.ZodOptional<z.ZodCoercedNumber>>,
);

export async function getTargets(db: Db): Promise<PerClass> {
  const row = await db.setting.findUnique({ where: { key: TARGETS_KEY } });
  const out: PerClass = { mask_old: DEFAULT_TARGET, mask_young: DEFAULT_TARGET, nomask_old: DEFAULT_TARGET, nomask_young: DEFAULT_TARGET };
  if (row) {
    try {
      const saved = JSON.parse(row.value) as Record<string, unknown>;
      for (const c of CLASSES) if (typeof saved[c] === 'number' && (saved[c] as number) > 0) out[c] = saved[c] as number;
    } catch {
      // a hand-edited, broken value: fall back to the defaults
    }
  }
  return out;
}

/** Admins only. Classes left out keep their current target. */
export async function setTargets(db: Db, actor: Actor, input: Partial<Record<FaceClass, number | string>>): Promise<PerClass> {
  requireRole(actor, 'admin');
  const parsed = targetsSchema.parse(input);
  const next = { ...(await getTargets(db)) };
  for (const c of CLASSES) if (parsed[c] !== undefined) next[c] = parsed[c] as number;
  const value = JSON.stringify(next);
  await db.setting.upsert({ where: { key: TARGETS_KEY }, create: { key: TARGETS_KEY, value }, update: { value } });
  return next;
}

// ---------------------------------------------------------------------------------------
// Counts

export type ClassCounts = { perClass: PerClass; excluded: number; unlabelled: number; labelled: number; total: number };

export async function classCounts(db: Db, census?: Census): Promise<ClassCounts> {
  // Evaluation sets' faces are never trained on: not counted here (their own counts: the Training page).
  // All faces by label (read from an index alone) less the evaluation sets' few faces (found through
  // Photo(evalSetId)): a join of every face with its photo took 10× longer at 200,000 faces.
  const [all, evalSets] = await Promise.all([
    census ? Promise.resolve(sumBy(census, (r) => r.label)) : db.face.groupBy({ by: ['label'], _count: { _all: true } }).then((rows) => rows.map((r) => ({ key: r.label, n: r._count._all }))),
    db.face.groupBy({ by: ['label'], where: { photo: { evalSetId: { not: null } } }, _count: { _all: true } }),
  ]);
  const minus = new Map(evalSets.map((r) => [r.label, r._count._all]));
  const perClass = zeroes();
  let excluded = 0;
  let unlabelled = 0;
  let other = 0;
  for (const r of all) {
    const n = r.n - (minus.get(r.key) ?? 0);
    if (r.key === null) unlabelled += n;
    else if (r.key === EXCLUDED) excluded += n;
    else if (isClass(r.key)) perClass[r.key] += n;
    else other += n; // an unknown label (should not happen): counted in the total only
  }
  const labelled = CLASSES.reduce((s, c) => s + perClass[c], 0);
  return { perClass, excluded, unlabelled, labelled, total: labelled + excluded + unlabelled + other };
}

/**
 * Every face counted by (label, labeller, split) in one pass over an index (Face(labelledById, label, split)):
 * the dashboard's class, labeller and split counts all come from it, instead of a scan each.
 */
export type Census = { label: string | null; labelledById: string | null; split: string | null; n: number }[];

export async function faceCensus(db: Db): Promise<Census> {
  const rows = await db.face.groupBy({ by: ['label', 'labelledById', 'split'], _count: { _all: true } });
  return rows.map((r) => ({ label: r.label, labelledById: r.labelledById, split: r.split, n: r._count._all }));
}

function sumBy<K>(census: Census, key: (r: Census[number]) => K): { key: K; n: number }[] {
  const m = new Map<K, number>();
  for (const r of census) m.set(key(r), (m.get(key(r)) ?? 0) + r.n);
  return [...m].map(([k, n]) => ({ key: k, n }));
}

export type Imbalance = { ratio: number | null; largest: FaceClass; smallest: FaceClass; warn: boolean };

/** Largest class / smallest class. `ratio` is null when the smallest class is empty. */
export function imbalance(perClass: PerClass): Imbalance {
  const sorted = [...CLASSES].sort((a, b) => perClass[b] - perClass[a]);
  const largest = sorted[0];
  const smallest = sorted[sorted.length - 1];
  const big = perClass[largest];
  const small = perClass[smallest];
  const ratio = small > 0 ? big / small : null;
  return { ratio, largest, smallest, warn: ratio === null ? big > 0 : ratio > IMBALANCE_WARNING };
}

export type CollectNext = { cls: FaceClass; count: number; target: number; missing: number; progress: number };

/** The classes still below target, furthest behind (lowest share of target) first. */
export function collectNext(perClass: PerClass, targets: PerClass): CollectNext[] {
  return CLASSES.map((cls) => ({
    cls,
    count: perClass[cls],
    target: targets[cls],
    missing: Math.max(0, targets[cls] - perClass[cls]),
    progress: targets[cls] > 0 ? perClass[cls] / targets[cls] : 1,
  }))
    .filter((r) => r.missing > 0)
    .sort((a, b) => a.progress - b.progress || b.missing - a.missing);
}

export type LabelerRow = { userId: string; email: string; name: string | null; perClass: PerClass; excluded: number; total: number };

/** Faces whose current label each user gave, per class. */
export async function perLabeler(db: Db, census?: Census): Promise<LabelerRow[]> {
  const rows = census
    ? sumBy(
        census.filter((r) => r.labelledById !== null),
        (r) => `${r.labelledById}\u0000${r.label ?? ''}`,
      ).map(({ key, n }) => {
        const [labelledById, label] = key.split('\u0000');
        return { labelledById, label: label || null, _count: { _all: n } };
      })
    : await db.face.groupBy({ by: ['labelledById', 'label'], where: { labelledById: { not: null } }, _count: { _all: true } });
  const ids = [...new Set(rows.map((r) => r.labelledById!))];
  const users = ids.length ? await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true, name: true } }) : [];
  const byUser = new Map<string, LabelerRow>(
    users.map((u) => [u.id, { userId: u.id, email: u.email, name: u.name, perClass: zeroes(), excluded: 0, total: 0 }]),
  );
  for (const r of rows) {
    const row = byUser.get(r.labelledById!);
    if (!row) continue;
    if (isClass(r.label)) row.perClass[r.label] += r._count._all;
    else if (r.label === EXCLUDED) row.excluded += r._count._all;
    row.total += r._count._all;
  }
  return [...byUser.values()].sort((a, b) => b.total - a.total || a.email.localeCompare(b.email));
}

// ---------------------------------------------------------------------------------------
// Labelling pace and the model's help, per labeller (the dashboard's per-labeler table).

export const PACE_DAYS = 7;

export type LabelerPace = {
  userId: string;
  /** Label events (kind "label") in the last PACE_DAYS days. */
  labels: number;
  /** Clock hours (UTC) in that window with at least one of their label events: the time they were labelling. */
  activeHours: number;
  /** labels / activeHours; null when they did not label in the window. */
  perHour: number | null;
  /** All time: labels given to faces the model had a suggestion for, and how many took it. */
  suggested: number;
  accepted: number;
  /** accepted / suggested; null when they never labelled a face with a suggestion. */
  acceptRate: number | null;
};

/**
 * Per labeller: labels per hour over the time they were labelling (label events in the last
 * `days` days, divided by the clock hours of that window in which they gave at least one), and
 * the share of the model's suggestions they accepted (all time).
 */
export async function labelerPace(db: Db, days = PACE_DAYS, now = new Date()): Promise<Map<string, LabelerPace>> {
  const since = new Date(now.getTime() - days * 86_400_000);
  type Raw = { userId: string; n: number | bigint; hours: number | bigint };
  const [rows, help] = await Promise.all([
    isPostgres(db)
      ? db.$queryRaw<Raw[]>`
          SELECT "userId", COUNT(*) AS n, COUNT(DISTINCT date_trunc('hour', "createdAt")) AS hours
          FROM "LabelEvent" WHERE "createdAt" >= ${since} AND "kind" = 'label' GROUP BY 1`
      : db.$queryRaw<Raw[]>`
          SELECT "userId", COUNT(*) AS n, COUNT(DISTINCT substr("createdAt", 1, 13)) AS hours
          FROM "LabelEvent" WHERE "createdAt" >= ${since.toISOString()} AND "kind" = 'label' GROUP BY 1`,
    db.labelEvent.groupBy({ by: ['userId', 'accepted'], where: { kind: 'label', suggested: { not: null } }, _count: { _all: true } }),
  ]);
  const out = new Map<string, LabelerPace>();
  const get = (userId: string) => {
    let p = out.get(userId);
    if (!p) out.set(userId, (p = { userId, labels: 0, activeHours: 0, perHour: null, suggested: 0, accepted: 0, acceptRate: null }));
    return p;
  };
  for (const r of rows) {
    const p = get(r.userId);
    p.labels = Number(r.n);
    p.activeHours = Number(r.hours);
    p.perHour = p.activeHours > 0 ? p.labels / p.activeHours : null;
  }
  for (const r of help) {
    const p = get(r.userId);
    p.suggested += r._count._all;
    if (r.accepted) p.accepted += r._count._all;
  }
  for (const p of out.values()) p.acceptRate = p.suggested > 0 ? p.accepted / p.suggested : null;
  return out;
}

export type DayRow = { day: string; total: number } & PerClass & { excluded: number };

/** Labelling actions (label and resolve events) per UTC day and new label, for the last `days` days. */
export async function perDay(db: Db, days = 30, now = new Date()): Promise<DayRow[]> {
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
  type Raw = { day: string; label: string | null; n: number | bigint };
  const rows: Raw[] =
    isPostgres(db)
      ? // Grouped by date_trunc (cheap, hashable) and formatted per group: to_char on every event and a sort
        // of them took 240 ms of 60,000 events (200,000 faces).
        await db.$queryRaw<Raw[]>`
          SELECT to_char(d, 'YYYY-MM-DD') AS day, label, n FROM (
            SELECT date_trunc('day', "createdAt") AS d, "newLabel" AS label, COUNT(*) AS n
            FROM "LabelEvent" WHERE "createdAt" >= ${since} AND "kind" IN ('label', 'resolve')
            GROUP BY 1, 2) g
          ORDER BY 1`
      : await db.$queryRaw<Raw[]>`
          SELECT substr("createdAt", 1, 10) AS day, "newLabel" AS label, COUNT(*) AS n
          FROM "LabelEvent" WHERE "createdAt" >= ${since.toISOString()} AND "kind" IN ('label', 'resolve')
          GROUP BY 1, 2 ORDER BY 1`;
  const byDay = new Map<string, DayRow>();
  for (let i = 0; i < days; i++) {
    const d = new Date(since.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    byDay.set(d, { day: d, total: 0, ...zeroes(), excluded: 0 });
  }
  for (const r of rows) {
    const row = byDay.get(r.day);
    if (!row) continue;
    const n = Number(r.n);
    if (isClass(r.label)) row[r.label] += n;
    else if (r.label === EXCLUDED) row.excluded += n;
    row.total += n;
  }
  return [...byDay.values()];
}

export type SplitRow = { split: string; perClass: PerClass; excluded: number; total: number };

/** Labelled faces per split, once the trainer has pinned splits (Face.split). */
export async function perSplit(db: Db, census?: Census): Promise<SplitRow[]> {
  const rows = census
    ? census.filter((r) => r.split !== null).map((r) => ({ split: r.split, label: r.label, _count: { _all: r.n } }))
    : await db.face.groupBy({ by: ['split', 'label'], where: { split: { not: null } }, _count: { _all: true } });
  const bySplit = new Map<string, SplitRow>();
  for (const r of rows) {
    const s = r.split!;
    const row = bySplit.get(s) ?? { split: s, perClass: zeroes(), excluded: 0, total: 0 };
    bySplit.set(s, row);
    if (isClass(r.label)) row.perClass[r.label] += r._count._all;
    else if (r.label === EXCLUDED) row.excluded += r._count._all;
    row.total += r._count._all;
  }
  const rank = (s: string) => {
    const i = ['train', 'valid', 'test'].indexOf(s);
    return i < 0 ? 99 : i;
  };
  return [...bySplit.values()].sort((a, b) => rank(a.split) - rank(b.split) || a.split.localeCompare(b.split));
}

/** Near-duplicate groups (Face.groupId shared by two or more faces) and the faces in them. */
export async function duplicateGroups(db: Db): Promise<{ groups: number; faces: number }> {
  const [row] = await db.$queryRaw<{ groups: number | bigint; faces: number | bigint | null }[]>`
    SELECT COUNT(*) AS groups, SUM(n) AS faces FROM (
      SELECT "groupId", COUNT(*) AS n FROM "Face" WHERE "groupId" IS NOT NULL GROUP BY "groupId" HAVING COUNT(*) > 1
    ) g`;
  return { groups: Number(row?.groups ?? 0), faces: Number(row?.faces ?? 0) };
}

// ---------------------------------------------------------------------------------------
// Everything the dashboard page shows, in one call.

export type Dashboard = {
  counts: ClassCounts;
  targets: PerClass;
  imbalance: Imbalance;
  collectNext: CollectNext[];
  labelers: LabelerRow[];
  days: DayRow[];
  splits: SplitRow[];
  duplicates: { groups: number; faces: number };
  agreement: Agreement[];
  reviews: Awaited<ReturnType<typeof reviewCounts>>;
};

export async function dashboard(db: Db): Promise<Dashboard> {
  const census = faceCensus(db);
  const [counts, targets, labelers, days, splits, duplicates, agreement, reviews] = await Promise.all([
    census.then((c) => classCounts(db, c)),
    getTargets(db),
    census.then((c) => perLabeler(db, c)),
    perDay(db),
    census.then((c) => perSplit(db, c)),
    duplicateGroups(db),
    agreementByLabeler(db),
    reviewCounts(db),
  ]);
  return {
    counts,
    targets,
    imbalance: imbalance(counts.perClass),
    collectNext: collectNext(counts.perClass, targets),
    labelers,
    days,
    splits,
    duplicates,
    agreement,
    reviews,
  };
}
