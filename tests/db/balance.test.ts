import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Team, team } from '../helpers/faces';
import type { Actor } from '@/lib/auth/roles';
import { assignLabels, undoLastLabel } from '@/lib/dataset/labels';
import { classCounts, dashboard, DEFAULT_TARGET, duplicateGroups, getTargets, perDay, perLabeler, perSplit, setTargets } from '@/lib/dataset/balance';

let t: Team['t'], admin: Actor, ann: Actor, bob: Actor, ids: string[];

beforeAll(async () => {
  ({ t, admin, ann, bob, ids } = await team(20));
  await assignLabels(t.db, ann, ids.slice(0, 6), 'mask_old');
  await assignLabels(t.db, ann, ids.slice(6, 8), 'mask_young');
  await assignLabels(t.db, bob, ids.slice(8, 11), 'nomask_old');
  await assignLabels(t.db, bob, ids.slice(11, 15), 'nomask_young');
  await assignLabels(t.db, bob, ids.slice(15, 16), 'excluded');
});
afterAll(async () => t.cleanup());

describe('balance counts', () => {
  it('counts faces per class, excluded and unlabelled', async () => {
    expect(await classCounts(t.db)).toEqual({
      perClass: { mask_old: 6, mask_young: 2, nomask_old: 3, nomask_young: 4 },
      excluded: 1,
      unlabelled: 4,
      labelled: 15,
      total: 20,
    });
  });

  it('follows relabels and undos: each face counts once, under its latest label', async () => {
    await assignLabels(t.db, bob, [ids[0]], 'mask_young');
    let c = await classCounts(t.db);
    expect([c.perClass.mask_old, c.perClass.mask_young]).toEqual([5, 3]);
    await undoLastLabel(t.db, bob);
    c = await classCounts(t.db);
    expect([c.perClass.mask_old, c.perClass.mask_young]).toEqual([6, 2]);
  });

  it('counts per labeler and per day', async () => {
    const rows = await perLabeler(t.db);
    // equal totals: ordered by e-mail
    expect(rows.map((r) => [r.email, r.total, r.perClass.mask_old, r.excluded])).toEqual(
      [
        [bob.email, 8, 0, 1],
        [ann.email, 8, 6, 0],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const days = await perDay(t.db, 7);
    expect(days).toHaveLength(7);
    const today = days[days.length - 1];
    expect(today.day).toBe(new Date().toISOString().slice(0, 10));
    // 16 labels in beforeAll + the relabel above (undos are not labelling work)
    expect([today.total, today.mask_old, today.mask_young, today.excluded]).toEqual([17, 6, 3, 1]);
    expect(days.slice(0, -1).every((d) => d.total === 0)).toBe(true);
  });

  it('counts per split and near-duplicate groups', async () => {
    expect(await perSplit(t.db)).toEqual([]);
    await t.db.face.updateMany({ where: { id: { in: ids.slice(0, 4) } }, data: { split: 'train' } });
    await t.db.face.updateMany({ where: { id: { in: [ids[8], ids[15]] } }, data: { split: 'test' } });
    const splits = await perSplit(t.db);
    expect(splits.map((s) => [s.split, s.total, s.perClass.mask_old, s.perClass.nomask_old, s.excluded])).toEqual([
      ['train', 4, 4, 0, 0],
      ['test', 2, 0, 1, 1],
    ]);
    expect(await duplicateGroups(t.db)).toEqual({ groups: 0, faces: 0 });
    await t.db.face.updateMany({ where: { id: { in: ids.slice(0, 3) } }, data: { groupId: ids[0] } });
    await t.db.face.updateMany({ where: { id: { in: ids.slice(5, 7) } }, data: { groupId: ids[5] } });
    await t.db.face.updateMany({ where: { id: ids[9] }, data: { groupId: ids[9] } }); // alone: not a group
    expect(await duplicateGroups(t.db)).toEqual({ groups: 2, faces: 5 });
  });

  it('targets default to 750; only admins change them, and bad values are refused', async () => {
    expect(await getTargets(t.db)).toEqual({ mask_old: DEFAULT_TARGET, mask_young: 750, nomask_old: 750, nomask_young: 750 });
    await expect(setTargets(t.db, ann, { mask_old: 10 })).rejects.toThrow(/admin role/);
    await expect(setTargets(t.db, admin, { mask_old: 0 })).rejects.toThrow(/at least 1/);
    await expect(setTargets(t.db, admin, { mask_old: 'lots' })).rejects.toThrow();
    expect(await setTargets(t.db, admin, { mask_old: 8, nomask_young: '4' })).toEqual({ mask_old: 8, mask_young: 750, nomask_old: 750, nomask_young: 4 });
    expect((await getTargets(t.db)).nomask_young).toBe(4);
  });

  it('the dashboard puts it together: imbalance, collect next', async () => {
    const d = await dashboard(t.db);
    expect(d.counts.perClass).toEqual({ mask_old: 6, mask_young: 2, nomask_old: 3, nomask_young: 4 });
    expect(d.imbalance).toEqual({ ratio: 3, largest: 'mask_old', smallest: 'mask_young', warn: true });
    // targets 8 / 750 / 750 / 4: nomask_young has reached its target
    expect(d.collectNext.map((c) => [c.cls, c.missing])).toEqual([
      ['mask_young', 748],
      ['nomask_old', 747],
      ['mask_old', 2],
    ]);
  });
});
