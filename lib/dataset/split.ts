// Train / valid / test split: stratified by class, seeded, pinned and group-aware.
// - Pinned: a face that has a split keeps it (Face.split); only new faces are placed.
// - Group-aware: faces of one photo and of one near-duplicate group (Face.groupId) form a
//   unit that is placed as a whole, so near-identical pictures never straddle splits.
// - Stratified: each new unit goes to the split whose class counts are furthest below
//   their target (ratio × class total), so every class fills its splits toward the ratios.
// - Seeded: units are placed in a seeded random order; same faces + seed → same split.
import type { Db, Prisma } from '../db';
import { CLASSES, type ClassName } from '../classes';
import { DEFAULT_SEED, prng, shuffleInPlace } from '../random';

export const SPLITS = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];
export type SplitRatios = Record<SplitName, number>;
export const DEFAULT_RATIOS: SplitRatios = { train: 0.8, valid: 0.1, test: 0.1 };
export { DEFAULT_SEED };

export type SplitFace = {
  id: string;
  label: ClassName;
  photoId: string;
  groupId: string | null;
  split: SplitName | null;
};

function validateRatios(r: SplitRatios) {
  const sum = r.train + r.valid + r.test;
  if (SPLITS.some((s) => !(r[s] >= 0)) || Math.abs(sum - 1) > 1e-6) {
    throw new Error(`split ratios must be non-negative and sum to 1 (got ${r.train}/${r.valid}/${r.test})`);
  }
}

/** Connected units: faces linked by the same photo or the same near-duplicate group. */
export function splitUnits(faces: readonly SplitFace[]): SplitFace[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    let c = x;
    while (c !== r) {
      const n = parent.get(c)!;
      parent.set(c, r);
      c = n;
    }
    return r;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  };
  for (const f of faces) {
    parent.set(`f:${f.id}`, `f:${f.id}`);
    for (const k of [`p:${f.photoId}`, ...(f.groupId ? [`g:${f.groupId}`] : [])]) if (!parent.has(k)) parent.set(k, k);
  }
  for (const f of faces) {
    union(`f:${f.id}`, `p:${f.photoId}`);
    if (f.groupId) union(`f:${f.id}`, `g:${f.groupId}`);
  }
  const units = new Map<string, SplitFace[]>();
  for (const f of faces) {
    const r = find(`f:${f.id}`);
    const u = units.get(r);
    if (u) u.push(f);
    else units.set(r, [f]);
  }
  return [...units.values()];
}

/**
 * Assigns a split to every face without one. Returns the new assignments only
 * (face id → split); pinned faces are never moved.
 */
export function assignSplits(
  input: readonly SplitFace[],
  opts: { ratios?: SplitRatios; seed?: number } = {},
): Map<string, SplitName> {
  const ratios = opts.ratios ?? DEFAULT_RATIOS;
  validateRatios(ratios);
  const faces = [...input].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const total = new Map<ClassName, number>(CLASSES.map((c) => [c, 0]));
  const count = new Map<string, number>(); // `${split}|${class}` → faces placed
  const key = (s: SplitName, c: ClassName) => `${s}|${c}`;
  for (const f of faces) {
    total.set(f.label, (total.get(f.label) ?? 0) + 1);
    if (f.split) count.set(key(f.split, f.label), (count.get(key(f.split, f.label)) ?? 0) + 1);
  }
  const units = splitUnits(faces).map((u) => u.sort((a, b) => (a.id < b.id ? -1 : 1)));
  units.sort((a, b) => (a[0].id < b[0].id ? -1 : 1));
  shuffleInPlace(units, prng(opts.seed ?? DEFAULT_SEED));
  // Bigger units first (they are the hardest to fit), keeping the seeded order among equals.
  const order = units.map((u, i) => ({ u, i })).sort((a, b) => b.u.length - a.u.length || a.i - b.i);

  const out = new Map<string, SplitName>();
  for (const { u } of order) {
    const fresh = u.filter((f) => !f.split);
    if (fresh.length === 0) continue;
    // A unit that already has pinned faces keeps the new ones with them (the majority
    // split of the pins, should the pins disagree after a group was merged later).
    const pinned = u.filter((f) => f.split);
    let target: SplitName;
    if (pinned.length) {
      const votes = new Map<SplitName, number>();
      for (const f of pinned) votes.set(f.split!, (votes.get(f.split!) ?? 0) + 1);
      target = SPLITS.reduce((best, s) => ((votes.get(s) ?? 0) > (votes.get(best) ?? 0) ? s : best), SPLITS[0]);
    } else {
      // Largest summed deficit (target count − placed count) over the unit's classes.
      let best = -Infinity;
      target = 'train';
      for (const s of SPLITS) {
        if (ratios[s] === 0) continue;
        let deficit = 0;
        for (const f of fresh) deficit += ratios[s] * (total.get(f.label) ?? 0) - (count.get(key(s, f.label)) ?? 0);
        deficit /= fresh.length;
        if (deficit > best + 1e-9) {
          best = deficit;
          target = s;
        }
      }
    }
    for (const f of fresh) {
      out.set(f.id, target);
      count.set(key(target, f.label), (count.get(key(target, f.label)) ?? 0) + 1);
    }
  }
  return out;
}

/** Faces that may be trained on: not of an evaluation set's photo (those are never split). */
export const TRAINABLE: Prisma.FaceWhereInput = { photo: { evalSetId: null } };

/** Labelled (not excluded) faces as split input; evaluation sets' faces are never split. */
export async function loadSplitFaces(db: Db): Promise<SplitFace[]> {
  const rows = await db.face.findMany({
    where: { label: { in: [...CLASSES] }, ...TRAINABLE },
    select: { id: true, label: true, photoId: true, groupId: true, split: true },
  });
  return rows.map((r) => ({
    id: r.id,
    label: r.label as ClassName,
    photoId: r.photoId,
    groupId: r.groupId,
    split: (SPLITS as readonly string[]).includes(r.split ?? '') ? (r.split as SplitName) : null,
  }));
}

/** Places every labelled face without a split and pins it (Face.split). Returns how many per split. */
export async function pinSplits(
  db: Db,
  opts: { ratios?: SplitRatios; seed?: number } = {},
): Promise<Record<SplitName, number>> {
  const assigned = assignSplits(await loadSplitFaces(db), opts);
  const bySplit: Record<SplitName, string[]> = { train: [], valid: [], test: [] };
  for (const [id, s] of assigned) bySplit[s].push(id);
  for (const s of SPLITS) {
    for (let i = 0; i < bySplit[s].length; i += 500) {
      // `split: null` in the condition: a concurrent pin never gets overwritten.
      await db.face.updateMany({ where: { id: { in: bySplit[s].slice(i, i + 500) }, split: null }, data: { split: s } });
    }
  }
  return { train: bySplit.train.length, valid: bySplit.valid.length, test: bySplit.test.length };
}

export type SplitCounts = Record<ClassName, Record<SplitName | 'unassigned', number>>;

/** Labelled faces per class and split, counted in the database. */
export async function splitCounts(db: Db): Promise<SplitCounts> {
  const rows = await db.face.groupBy({ by: ['label', 'split'], where: { label: { in: [...CLASSES] }, ...TRAINABLE }, _count: { _all: true } });
  const out = Object.fromEntries(CLASSES.map((c) => [c, { train: 0, valid: 0, test: 0, unassigned: 0 }])) as SplitCounts;
  for (const r of rows) {
    const s = (SPLITS as readonly string[]).includes(r.split ?? '') ? (r.split as SplitName) : 'unassigned';
    out[r.label as ClassName][s] += r._count._all;
  }
  return out;
}
