// Confounds in the training data: per class, the share of apparent women/men (the backbone's
// apparent gender, Face.apparentMale) and of each photo source and import batch. A classifier
// learns whatever separates the classes: when young faces are mostly women and old ones mostly
// men, it may learn gender for age. Counted in the database (one grouped query); evaluation-set
// photos are left out (they are never trained on). From CONFOUND_RECOUNT_FROM labelled faces the
// count is kept and redone in the background when older than CONFOUND_MAX_AGE_MS (`confounds`).
import type { Db } from '../db';
import { CLASSES, type FaceClass, isClass } from '../classes';

/** Two classes whose share of one value differs by more than this (0.2 = 20 points) get a warning. */
export const CONFOUND_WARNING = 0.2;
/** A share is compared only when both classes have at least this many faces behind it (known gender, or in total). */
export const CONFOUND_MIN_FACES = 10;
/** Apparent male probability at or above this reads as a man, below as a woman. */
export const MALE_THRESHOLD = 0.5;

export type Gender = 'female' | 'male';

export type ConfoundRow = {
  cls: FaceClass;
  total: number;
  female: number;
  male: number;
  /** Faces whose apparent gender is not computed yet. */
  unknown: number;
  /** Faces per Photo.source (upload, import, camera). */
  sources: Record<string, number>;
  /** Faces per import batch (Photo.batch), for faces that came with one. */
  batches: Record<string, number>;
};

export async function confoundRows(db: Db): Promise<ConfoundRow[]> {
  type Raw = { label: string; gender: string; source: string; batch: string | null; n: number | bigint };
  const [a, b, c, d] = CLASSES;
  const rows = await db.$queryRaw<Raw[]>`
    SELECT f."label" AS label,
           CASE WHEN f."apparentMale" IS NULL THEN 'unknown' WHEN f."apparentMale" >= ${MALE_THRESHOLD} THEN 'male' ELSE 'female' END AS gender,
           p."source" AS source, p."batch" AS batch, COUNT(*) AS n
    FROM "Face" f JOIN "Photo" p ON p."id" = f."photoId"
    WHERE p."evalSetId" IS NULL AND f."label" IN (${a}, ${b}, ${c}, ${d})
    GROUP BY 1, 2, 3, 4`;
  const out = new Map<FaceClass, ConfoundRow>(CLASSES.map((cls) => [cls, { cls, total: 0, female: 0, male: 0, unknown: 0, sources: {}, batches: {} }]));
  for (const r of rows) {
    if (!isClass(r.label)) continue;
    const row = out.get(r.label)!;
    const n = Number(r.n);
    row.total += n;
    if (r.gender === 'female' || r.gender === 'male' || r.gender === 'unknown') row[r.gender] += n;
    row.sources[r.source] = (row.sources[r.source] ?? 0) + n;
    if (r.batch !== null) row.batches[r.batch] = (row.batches[r.batch] ?? 0) + n;
  }
  return CLASSES.map((cls) => out.get(cls)!);
}

/** Share of women among the faces with a known apparent gender; null when none is known. */
export const womenShare = (r: Pick<ConfoundRow, 'female' | 'male'>): number | null => (r.female + r.male ? r.female / (r.female + r.male) : null);

// ---------------------------------------------------------------------------------------
// Warnings

type Factor = 'age' | 'mask';
/**
 * The pairs compared: classes that differ in one attribute only. Age groups within a mask status (a
 * difference there can stand in for age) and mask groups within an age group (for mask). The diagonal
 * pairs (masked old vs unmasked young) differ in both, so a difference cannot be pinned on one.
 */
export const CONFOUND_PAIRS: { a: FaceClass; b: FaceClass; factor: Factor }[] = [
  { a: 'mask_young', b: 'mask_old', factor: 'age' },
  { a: 'nomask_young', b: 'nomask_old', factor: 'age' },
  { a: 'mask_young', b: 'nomask_young', factor: 'mask' },
  { a: 'mask_old', b: 'nomask_old', factor: 'mask' },
];

const GROUP: Record<FaceClass, string> = {
  mask_old: 'old faces with a mask',
  mask_young: 'young faces with a mask',
  nomask_old: 'old faces without a mask',
  nomask_young: 'young faces without a mask',
};
const SOURCE_WORDS: Record<string, string> = { upload: 'uploads', import: 'imports', camera: 'camera photos' };
const sourceWord = (s: string) => SOURCE_WORDS[s] ?? `"${s}" photos`;
const pct = (v: number) => `${Math.round(v * 100)}%`;

export type ConfoundWarning = {
  kind: 'gender' | 'source' | 'batch';
  factor: Factor;
  a: FaceClass;
  b: FaceClass;
  /** What is compared: "women", a source, or a batch name. */
  value: string;
  shareA: number;
  shareB: number;
  message: string;
};

/** The class with the larger share is named first ("young faces … are 80% women, old faces … 30%"). */
function warning(kind: ConfoundWarning['kind'], pair: (typeof CONFOUND_PAIRS)[number], value: string, sa: number, sb: number): ConfoundWarning {
  const p = sa >= sb ? pair : { ...pair, a: pair.b, b: pair.a };
  const [shareA, shareB] = sa >= sb ? [sa, sb] : [sb, sa];
  const what = kind === 'gender' ? 'women' : kind === 'source' ? sourceWord(value) : `from import "${value}"`;
  const learns = kind === 'gender' ? 'gender' : kind === 'source' ? 'the photo source' : 'the import batch';
  return {
    kind,
    factor: p.factor,
    a: p.a,
    b: p.b,
    value,
    shareA,
    shareB,
    message: `${GROUP[p.a][0].toUpperCase()}${GROUP[p.a].slice(1)} are ${pct(shareA)} ${what}, ${GROUP[p.b]} ${pct(shareB)}: the model may learn ${learns} for ${p.factor}.`,
  };
}

/**
 * For each compared pair and each kind (apparent gender, source, import batch): a warning when the two
 * classes' shares differ by more than CONFOUND_WARNING, naming the value that differs most. Shares are
 * compared only when both classes have CONFOUND_MIN_FACES faces behind them.
 */
export function confoundWarnings(rows: ConfoundRow[]): ConfoundWarning[] {
  const by = new Map(rows.map((r) => [r.cls, r]));
  const out: ConfoundWarning[] = [];
  for (const p of CONFOUND_PAIRS) {
    const A = by.get(p.a);
    const B = by.get(p.b);
    if (!A || !B) continue;
    // gender, among the faces whose apparent gender is known
    if (A.female + A.male >= CONFOUND_MIN_FACES && B.female + B.male >= CONFOUND_MIN_FACES) {
      const sa = womenShare(A)!;
      const sb = womenShare(B)!;
      if (Math.abs(sa - sb) > CONFOUND_WARNING) out.push(warning('gender', p, 'women', sa, sb));
    }
    if (A.total < CONFOUND_MIN_FACES || B.total < CONFOUND_MIN_FACES) continue;
    for (const kind of ['source', 'batch'] as const) {
      const ca = kind === 'source' ? A.sources : A.batches;
      const cb = kind === 'source' ? B.sources : B.batches;
      let worst: { value: string; sa: number; sb: number } | null = null;
      for (const value of [...new Set([...Object.keys(ca), ...Object.keys(cb)])].sort()) {
        const sa = (ca[value] ?? 0) / A.total;
        const sb = (cb[value] ?? 0) / B.total;
        if (Math.abs(sa - sb) > CONFOUND_WARNING && (!worst || Math.abs(sa - sb) > Math.abs(worst.sa - worst.sb))) worst = { value, sa, sb };
      }
      if (!worst) continue;
      // A batch that is the whole of a source already warned about says nothing new.
      const same = out.some((w) => w.kind === 'source' && w.factor === p.factor && new Set([w.a, w.b, p.a, p.b]).size === 2 && Math.max(worst.sa, worst.sb) === w.shareA && Math.min(worst.sa, worst.sb) === w.shareB);
      if (kind === 'batch' && same) continue;
      out.push(warning(kind, p, worst.value, worst.sa, worst.sb));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Collect next, per class and apparent gender

export type ShortCell = {
  cls: FaceClass;
  gender: Gender;
  count: number;
  /** The other gender's count in the same class. */
  other: number;
  /** What the cell should reach: the other gender's count, and at least half the class target. */
  goal: number;
  missing: number;
  /** "old women, with mask" */
  name: string;
};

export function cellName(cls: FaceClass, gender: Gender): string {
  const age = cls.endsWith('_old') ? 'old' : 'young';
  return `${age} ${gender === 'female' ? 'women' : 'men'}, ${cls.startsWith('mask_') ? 'with mask' : 'without mask'}`;
}

/**
 * The (class × apparent gender) cells that are short. A cell's goal is the larger of the other gender's
 * count in that class and half the class target (a class at target, split evenly); a cell below its goal
 * is short. Only classes with at least one face of known apparent gender take part. Furthest behind
 * (lowest count / goal) first.
 */
export function shortCells(rows: ConfoundRow[], targets: Record<FaceClass, number>): ShortCell[] {
  const out: ShortCell[] = [];
  for (const r of rows) {
    if (r.female + r.male === 0) continue;
    for (const gender of ['female', 'male'] as const) {
      const count = r[gender];
      const other = r[gender === 'female' ? 'male' : 'female'];
      const goal = Math.max(other, Math.ceil(targets[r.cls] / 2));
      if (count < goal) out.push({ cls: r.cls, gender, count, other, goal, missing: goal - count, name: cellName(r.cls, gender) });
    }
  }
  return out.sort((x, y) => x.count / x.goal - y.count / y.goal || y.missing - x.missing);
}

// ---------------------------------------------------------------------------------------
// The count the dashboard shows

/**
 * From this many labelled faces the dashboard shows the last count of the confound table instead of waiting
 * for a new one: the query reads every labelled face with its photo (about 100 ms of a 2-core machine at
 * 114,000 labelled faces on PostgreSQL, most of the dashboard's time), and shares of that many faces hardly move
 * in half a minute. Below it every call counts (a few ms).
 */
export const CONFOUND_RECOUNT_FROM = 20_000;
/** A kept count older than this is redone in the background when the dashboard asks (the page shows the older one meanwhile). */
export const CONFOUND_MAX_AGE_MS = 30_000;

type Count = { rows: ConfoundRow[]; at: Date };
/** Per database (one per process): the last count, and the recount under way. */
const kept = new WeakMap<Db, { count: Count; recount: Promise<void> | null }>();

/**
 * The confound rows and when they were counted: counted now below `from` labelled faces (as of the last count),
 * else the last count, with a recount started in the background when it is older than `maxAgeMs`.
 */
export async function keptConfoundRows(db: Db, opts: { from?: number; maxAgeMs?: number; now?: number } = {}): Promise<Count> {
  const last = kept.get(db);
  if (last && last.count.rows.reduce((s, r) => s + r.total, 0) >= (opts.from ?? CONFOUND_RECOUNT_FROM)) {
    if ((opts.now ?? Date.now()) - last.count.at.getTime() > (opts.maxAgeMs ?? CONFOUND_MAX_AGE_MS) && !last.recount) {
      last.recount = confoundRows(db)
        .then((rows) => void (last.count = { rows, at: new Date() }))
        .catch((err) => console.error(`masklab: counting confounds: ${(err as Error).message}`)) // the next page asks again
        .finally(() => void (last.recount = null));
    }
    return last.count;
  }
  const count = { rows: await confoundRows(db), at: new Date() };
  kept.set(db, { count, recount: null });
  return count;
}

/** The confound recount under way for `db`, if any (tests wait for it). */
export const confoundRecount = (db: Db): Promise<void> | null => kept.get(db)?.recount ?? null;

export type ConfoundReport = { rows: ConfoundRow[]; warnings: ConfoundWarning[]; unknown: number; countedAt: Date };

export async function confounds(db: Db, opts?: Parameters<typeof keptConfoundRows>[1]): Promise<ConfoundReport> {
  const { rows, at } = await keptConfoundRows(db, opts);
  return { rows, warnings: confoundWarnings(rows), unknown: rows.reduce((s, r) => s + r.unknown, 0), countedAt: at };
}
