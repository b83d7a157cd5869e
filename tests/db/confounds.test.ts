// Confounds on the dashboard: per class the share of apparent women/men and of each photo source and
// import batch (training data only), the warnings a user reads, and the (class × gender) cells to
// collect next. Faces are seeded straight into the database with their apparent gender and source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { makeFaces, makeUser } from '../helpers/faces';
import type { FaceClass } from '@/lib/classes';
import { type ConfoundRow, confoundRecount, confoundRows, confounds, confoundWarnings, shortCells } from '@/lib/dataset/confounds';

let t: TestDb;
let uploader: string;

type Seed = { women?: number; men?: number; unknown?: number; source?: string; batch?: string | null; evalSetId?: string; label?: string };

/** One photo of faces of one class (or label) with the given apparent genders and source. */
async function seed(label: FaceClass | 'excluded', s: Seed) {
  const values = [...Array(s.women ?? 0).fill(0.1), ...Array(s.men ?? 0).fill(0.9), ...Array(s.unknown ?? 0).fill(null)];
  const ids = await makeFaces(t.db, uploader, values.length);
  const face = await t.db.face.findUniqueOrThrow({ where: { id: ids[0] }, select: { photoId: true } });
  await t.db.photo.update({ where: { id: face.photoId }, data: { source: s.source ?? 'upload', batch: s.batch ?? null, evalSetId: s.evalSetId ?? null } });
  await Promise.all(ids.map((id, i) => t.db.face.update({ where: { id }, data: { label, apparentMale: values[i], apparentAge: values[i] === null ? null : 40 } })));
}

beforeAll(async () => {
  t = await freshDb();
  const admin = await makeUser(t.db, 'admin');
  uploader = admin.id;
  await seed('mask_young', { women: 8, men: 2 });
  await seed('mask_old', { women: 3, men: 7, unknown: 2 });
  await seed('nomask_young', { women: 6, men: 6, source: 'import', batch: 'celebs' });
  await seed('nomask_old', { women: 5, men: 6, source: 'import', batch: 'celebs' });
  // Not training data: an evaluation set of old masked women, excluded faces, unlabelled faces.
  const evalSet = await t.db.evalSet.create({ data: { name: 'age-dev' } });
  await seed('mask_old', { women: 20, source: 'import', batch: 'age-dev', evalSetId: evalSet.id });
  await seed('excluded', { women: 5 });
  await makeFaces(t.db, uploader, 3);
});
afterAll(async () => t.cleanup());

describe('confound statistics', () => {
  it('counts apparent women, men and unknown, sources and batches per class, training data only', async () => {
    const rows = await confoundRows(t.db);
    expect(rows).toEqual([
      { cls: 'mask_old', total: 12, female: 3, male: 7, unknown: 2, sources: { upload: 12 }, batches: {} },
      { cls: 'mask_young', total: 10, female: 8, male: 2, unknown: 0, sources: { upload: 10 }, batches: {} },
      { cls: 'nomask_old', total: 11, female: 5, male: 6, unknown: 0, sources: { import: 11 }, batches: { celebs: 11 } },
      { cls: 'nomask_young', total: 12, female: 6, male: 6, unknown: 0, sources: { import: 12 }, batches: { celebs: 12 } },
    ]);
  });

  it('warns, in words, where two classes that differ in one attribute differ by more than 20 points', async () => {
    const { warnings, unknown } = await confounds(t.db);
    expect(unknown).toBe(2);
    expect(warnings.map((w) => w.message)).toEqual([
      // age within mask status: masked young 80% women vs masked old 30%
      'Young faces with a mask are 80% women, old faces with a mask 30%: the model may learn gender for age.',
      // unmasked: 50% vs 45%, no warning. Mask within age: young 80% vs 50% women; every unmasked face is an import
      'Young faces with a mask are 80% women, young faces without a mask 50%: the model may learn gender for mask.',
      'Young faces without a mask are 100% imports, young faces with a mask 0%: the model may learn the photo source for mask.',
      // old: 30% vs 45% women (15 points): only the source (the batch is the whole source: not repeated)
      'Old faces without a mask are 100% imports, old faces with a mask 0%: the model may learn the photo source for mask.',
    ]);
    expect(warnings[0]).toMatchObject({ kind: 'gender', factor: 'age', a: 'mask_young', b: 'mask_old', value: 'women', shareA: 0.8, shareB: 0.3 });
  });

  it('names an import batch that differs when the source does not, and compares only shares with enough faces behind them', () => {
    const row = (cls: FaceClass, r: Partial<ConfoundRow>): ConfoundRow => ({ cls, total: 0, female: 0, male: 0, unknown: 0, sources: {}, batches: {}, ...r });
    const rows = [
      row('mask_old', { total: 20, female: 2, male: 2, unknown: 16, sources: { import: 20 }, batches: { a: 15, b: 5 } }),
      row('mask_young', { total: 20, female: 2, male: 8, unknown: 10, sources: { import: 20 }, batches: { a: 5, b: 15 } }),
      row('nomask_old', { total: 9, female: 9 }),
      row('nomask_young', { total: 30, male: 30, sources: { camera: 30 } }),
    ];
    // mask_old has 4 faces of known gender (< 10): no gender warning; nomask_old has 9 faces in all: nothing
    expect(confoundWarnings(rows).map((w) => w.message)).toEqual([
      'Old faces with a mask are 75% from import "a", young faces with a mask 25%: the model may learn the import batch for age.',
      // young: 20% vs 0% women is 20 points, not more; every source differs by 100 points (the first named)
      'Young faces without a mask are 100% camera photos, young faces with a mask 0%: the model may learn the photo source for mask.',
      'Young faces with a mask are 75% from import "b", young faces without a mask 0%: the model may learn the import batch for mask.',
    ]);
  });
});

describe('collect next by apparent gender', () => {
  it('lists the cells below the other gender or below half the class target, furthest behind first', async () => {
    const rows = await confoundRows(t.db);
    const cells = shortCells(rows, { mask_old: 20, mask_young: 4, nomask_old: 4, nomask_young: 4 });
    expect(cells.map((c) => `${c.name}: ${c.count} (${c.gender === 'female' ? 'men' : 'women'}: ${c.other}), ${c.missing} more`)).toEqual([
      'young men, with mask: 2 (women: 8), 6 more',
      'old women, with mask: 3 (men: 7), 7 more', // goal: half the target of 20
      'old men, with mask: 7 (women: 3), 3 more',
      'old women, without mask: 5 (men: 6), 1 more',
    ]);
    // balanced classes at target: nothing is short
    expect(shortCells([{ cls: 'mask_old', total: 10, female: 5, male: 5, unknown: 0, sources: {}, batches: {} }], { mask_old: 10, mask_young: 1, nomask_old: 1, nomask_young: 1 })).toEqual([]);
    // a class of unknown gender only takes no part
    expect(shortCells([{ cls: 'mask_old', total: 10, female: 0, male: 0, unknown: 10, sources: {}, batches: {} }], { mask_old: 100, mask_young: 1, nomask_old: 1, nomask_young: 1 })).toEqual([]);
  });
});

describe('the dashboard’s count of a large dataset', () => {
  const total = (r: { rows: ConfoundRow[] }) => r.rows.reduce((s, x) => s + x.total, 0);

  it('below the threshold counts on every call: a new label shows at once', async () => {
    const before = await confounds(t.db);
    await seed('nomask_old', { men: 1 });
    const after = await confounds(t.db);
    expect(total(after)).toBe(total(before) + 1);
    expect(after.countedAt.getTime()).toBeGreaterThanOrEqual(before.countedAt.getTime());
  });

  it('from the threshold shows the last count, and recounts in the background once it is older than the limit', async () => {
    const big = { from: 10, maxAgeMs: 30_000 }; // the 46 labelled faces here stand in for 20,000
    const first = await confounds(t.db, big);
    await seed('mask_young', { women: 2 });
    // Within the limit: the same count, no recount.
    const kept = await confounds(t.db, { ...big, now: first.countedAt.getTime() + 29_000 });
    expect([total(kept), kept.countedAt]).toEqual([total(first), first.countedAt]);
    expect(confoundRecount(t.db)).toBeNull();
    // Older: this call still gets the last count (it does not wait), and starts a recount.
    const stale = await confounds(t.db, { ...big, now: first.countedAt.getTime() + 31_000 });
    expect(total(stale)).toBe(total(first));
    const recount = confoundRecount(t.db);
    expect(recount).not.toBeNull();
    await recount;
    const fresh = await confounds(t.db, big);
    expect(total(fresh)).toBe(total(first) + 2);
    expect(fresh.countedAt.getTime()).toBeGreaterThan(first.countedAt.getTime());
    expect(fresh.warnings).toEqual(confoundWarnings(await confoundRows(t.db)));
  });
});
