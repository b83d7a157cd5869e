import { describe, expect, it } from 'vitest';
import { collectNext, imbalance } from '@/lib/dataset/balance';

describe('imbalance ratio', () => {
  it('is the largest class over the smallest, with a warning above 1.5', () => {
    expect(imbalance({ mask_old: 300, mask_young: 200, nomask_old: 250, nomask_young: 220 })).toEqual({
      ratio: 1.5,
      largest: 'mask_old',
      smallest: 'mask_young',
      warn: false,
    });
    expect(imbalance({ mask_old: 301, mask_young: 200, nomask_old: 250, nomask_young: 220 }).warn).toBe(true);
  });
  it('has no ratio and warns when a class is empty but others are not', () => {
    expect(imbalance({ mask_old: 3, mask_young: 0, nomask_old: 1, nomask_young: 1 })).toMatchObject({ ratio: null, smallest: 'mask_young', warn: true });
    expect(imbalance({ mask_old: 0, mask_young: 0, nomask_old: 0, nomask_young: 0 })).toMatchObject({ ratio: null, warn: false });
  });
});

describe('collect next', () => {
  it('lists the classes below target, furthest behind first', () => {
    const next = collectNext(
      { mask_old: 700, mask_young: 100, nomask_old: 800, nomask_young: 100 },
      { mask_old: 750, mask_young: 750, nomask_old: 750, nomask_young: 200 },
    );
    expect(next.map((n) => [n.cls, n.missing])).toEqual([
      ['mask_young', 650],
      ['nomask_young', 100],
      ['mask_old', 50],
    ]);
  });
});
