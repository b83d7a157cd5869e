import { describe, expect, it } from 'vitest';
import { sampleWeights, type WeightRow } from '@/lib/training/weights';

/** Total weight per key. */
function totals(rows: readonly WeightRow[], w: readonly number[], key: (r: WeightRow) => string): Map<string, number> {
  const out = new Map<string, number>();
  rows.forEach((r, i) => out.set(key(r), (out.get(key(r)) ?? 0) + w[i]));
  return out;
}
const m = (y: number, n: number, source?: string): WeightRow[] => Array.from({ length: n }, () => ({ y, male: 0.9, source }));
const f = (y: number, n: number, source?: string): WeightRow[] => Array.from({ length: n }, () => ({ y, male: 0.1, source }));
const cell = (r: WeightRow) => `${r.y}/${r.male >= 0.5 ? 'm' : 'f'}`;

describe('sample weights against the class × gender confound', () => {
  // class 0 "young": mostly women; class 1 "old": mostly men; class 2: women only; class 3: empty
  const rows = [...f(0, 8), ...m(0, 2), ...f(1, 3), ...m(1, 9), ...f(2, 5)];

  it('gives every class the same total and, within a class, apparent men and women the same total', () => {
    const w = sampleWeights(rows, 'class+gender');
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(rows.length, 9); // mean weight 1
    const perClass = totals(rows, w, (r) => String(r.y));
    expect([...perClass.keys()].sort()).toEqual(['0', '1', '2']); // the empty class gets nothing
    for (const t of perClass.values()) expect(t).toBeCloseTo(rows.length / 3, 9);
    const perCell = totals(rows, w, cell);
    expect(perCell.get('0/f')).toBeCloseTo(perCell.get('0/m')!, 9);
    expect(perCell.get('1/f')).toBeCloseTo(perCell.get('1/m')!, 9);
    // the two old women together weigh as much as the nine old men
    expect(w[10]).toBeCloseTo(3 * w[13], 9);
  });

  it('weights a class seen with one gender only by class alone (its empty cell takes nothing)', () => {
    const w = sampleWeights(rows, 'class+gender');
    const women2 = w.slice(22);
    expect(new Set(women2.map((x) => x.toFixed(12))).size).toBe(1);
    expect(women2.reduce((a, b) => a + b, 0)).toBeCloseTo(rows.length / 3, 9);
  });

  it('splits each (class, gender) cell equally over its sources when asked', () => {
    const src = [...f(0, 6, 'a'), ...f(0, 2, 'b'), ...m(0, 3, 'a'), ...m(1, 4)];
    const w = sampleWeights(src, 'class+gender+source');
    const t = totals(src, w, (r) => `${cell(r)}/${r.source ?? ''}`);
    expect(t.get('0/f/a')).toBeCloseTo(t.get('0/f/b')!, 9);
    expect(t.get('0/f/a')! + t.get('0/f/b')!).toBeCloseTo(t.get('0/m/a')!, 9);
    expect(t.get('1/m/')).toBeCloseTo(src.length / 2, 9); // no source: one group
  });

  it('with class weighting only, equals inverse class frequency', () => {
    const w = sampleWeights(rows, 'class');
    expect(w[0]).toBeCloseTo(rows.length / (3 * 10), 9);
    expect(w[10]).toBeCloseTo(rows.length / (3 * 12), 9);
    expect(w[22]).toBeCloseTo(rows.length / (3 * 5), 9);
  });

  it('depends only on the rows (same rows, same weights), and refuses an unknown class', () => {
    expect(sampleWeights([...rows], 'class+gender')).toEqual(sampleWeights(rows, 'class+gender'));
    expect(sampleWeights([])).toEqual([]);
    expect(() => sampleWeights([{ y: 4, male: 0 }])).toThrow(/class 4/);
  });
});
