// Per-sample training weights that resist a confound between class and apparent gender (or
// source): in the shared training data young faces are mostly women and old faces mostly men,
// so a head weighted by class only partly learns gender instead of age. Here every class gets
// the same total weight (class balance, as before), and within a class every apparent-gender
// cell gets the same share; optionally, within a (class, gender) cell, every source (import
// batch) too. Empty cells get nothing (their share goes to the cells that exist), so a class
// seen with one gender only is weighted by class alone. Pure and deterministic.
import { NUM_CLASSES } from '../classes';
import { type Weighting } from '../inference/meta';

export { WEIGHTINGS, type Weighting } from '../inference/meta';

/** One training face: its class index, the backbone's male probability (0..1) and, if known, where it came from. */
export type WeightRow = { y: number; male: number; source?: string | null };

export const DEFAULT_WEIGHTING: Weighting = 'class+gender';

/** Apparent gender cell of a face: male probability ≥ 0.5 counts as male. */
export const apparentMale = (male: number) => male >= 0.5;

/**
 * Weights with mean 1 (they sum to the number of rows): each present class totals n / k, split
 * equally over its non-empty apparent-gender cells (`class+gender`), and each of those equally over
 * its sources (`class+gender+source`; rows without a source form one group); within the finest cell
 * every row weighs the same.
 */
export function sampleWeights(rows: readonly WeightRow[], weighting: Weighting = DEFAULT_WEIGHTING, numClasses = NUM_CLASSES): number[] {
  const n = rows.length;
  if (n === 0) return [];
  const byGender = weighting !== 'class';
  const bySource = weighting === 'class+gender+source';
  // class → gender key → source key → row indices
  const tree = new Map<number, Map<string, Map<string, number[]>>>();
  rows.forEach((r, i) => {
    if (!Number.isInteger(r.y) || r.y < 0 || r.y >= numClasses) throw new Error(`row ${i}: class ${r.y} is not one of 0..${numClasses - 1}`);
    const g = byGender ? (apparentMale(r.male) ? 'm' : 'f') : '';
    const s = bySource ? (r.source ?? '') : '';
    const cls = tree.get(r.y) ?? new Map<string, Map<string, number[]>>();
    const cell = cls.get(g) ?? new Map<string, number[]>();
    const idx = cell.get(s) ?? [];
    idx.push(i);
    cell.set(s, idx);
    cls.set(g, cell);
    tree.set(r.y, cls);
  });
  const out = new Array<number>(n).fill(0);
  const perClass = n / tree.size;
  for (const cls of tree.values()) {
    const perGender = perClass / cls.size;
    for (const cell of cls.values()) {
      const perSource = perGender / cell.size;
      for (const idx of cell.values()) for (const i of idx) out[i] = perSource / idx.length;
    }
  }
  return out;
}
