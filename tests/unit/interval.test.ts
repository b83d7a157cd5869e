import { describe, expect, it } from 'vitest';
import { formatInterval, intervalOfRatio, missingPerClass, tooSmallToTell, wilson } from '@/lib/training/interval';

describe('wilson', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
    [29, 29, 0.883, 1],
  ])('%i of %i → [%f, %f]', (k, n, lo, hi) => {
    const i = wilson(k, n);
    expect(i.lo).toBeCloseTo(lo, 4);
    expect(i.hi).toBeCloseTo(hi, 4);
  });

  it('4 right out of 4 is anything from 51% up: the tiny test split of a run on the fixtures', () => {
    const i = wilson(4, 4);
    expect(i.lo).toBeCloseTo(0.5101, 4);
    expect(i.hi).toBe(1);
    expect(formatInterval(4, 4)).toBe('51.0–100.0%');
  });

  it('knows nothing of an empty set and refuses impossible counts', () => {
    expect(wilson(0, 0)).toEqual({ lo: 0, hi: 1 });
    expect(() => wilson(5, 4)).toThrow();
    expect(() => wilson(-1, 4)).toThrow();
  });

  it('narrows as n grows and always holds the estimate', () => {
    let width = 1;
    for (const n of [10, 100, 1000, 10000]) {
      const { lo, hi } = wilson(0.9 * n, n);
      expect(lo).toBeLessThan(0.9);
      expect(hi).toBeGreaterThan(0.9);
      expect(hi - lo).toBeLessThan(width);
      width = hi - lo;
    }
  });

  it('reads a stored ratio back as counts', () => {
    expect(intervalOfRatio(0.75, 4)).toBe(formatInterval(3, 4));
    expect(intervalOfRatio(null, 4)).toBe('');
    expect(intervalOfRatio(0.5, 0)).toBe('');
  });
});

describe('tooSmallToTell', () => {
  it('warns under 30 faces or under 10 in a class, and not otherwise', () => {
    expect(tooSmallToTell(4, { a: 1, b: 1, c: 1, d: 1 })).toMatch(/Too few faces to tell: 4 faces/);
    expect(tooSmallToTell(40, { a: 10, b: 10, c: 10, d: 10 })).toBeNull();
    expect(tooSmallToTell(40, { a: 25, b: 5, c: 10 })).toMatch(/5 b \(fewer than 10 in a class\)/);
    expect(tooSmallToTell(29)).toMatch(/fewer than 30/);
    expect(tooSmallToTell(30, { a: 30, b: 0 })).toBeNull(); // a class with no face (age-only set) is not a small class
  });
});

describe('missingPerClass', () => {
  it('lists what to collect to reach the minimum', () => {
    expect(missingPerClass({ a: 8, b: 30, c: 45, d: 0 })).toEqual([
      { cls: 'a', have: 8, missing: 22 },
      { cls: 'd', have: 0, missing: 30 },
    ]);
  });
});
