// The learning curve's pieces: stratified nested fractions, the Wilson interval, the power-law fit and what the
// estimate says (an estimate, flat, not enough data, at the ceiling).
import { describe, expect, it } from 'vitest';
import { buildSeries, CURVE_CAP, curveFractions, curveScore, estimateMore, fitCurve, fittedAccuracy, nestedFractions, roughly } from '@/lib/training/learning-curve';
import { wilson } from '@/lib/training/interval';

describe('curveFractions', () => {
  it('is 25/50/75/100% up to CURVE_CAP training faces, then the same shares of CURVE_CAP faces, and always the whole split', () => {
    expect(curveFractions(400)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(curveFractions(CURVE_CAP)).toEqual([0.25, 0.5, 0.75, 1]);
    const big = curveFractions(4 * CURVE_CAP);
    expect(big.map((f) => f * 4 * CURVE_CAP)).toEqual([0.25 * CURVE_CAP, 0.5 * CURVE_CAP, 0.75 * CURVE_CAP, 4 * CURVE_CAP]);
  });
});

describe('nestedFractions', () => {
  const labels = [...Array(40).fill(0), ...Array(20).fill(1), ...Array(12).fill(2), ...Array(8).fill(3)];
  const parts = nestedFractions(labels, [0.25, 0.5, 0.75, 1], 1337);
  const count = (idx: number[], c: number) => idx.filter((i) => labels[i] === c).length;

  it('is stratified: each fraction holds about that share of every class', () => {
    for (const [j, f] of [0.25, 0.5, 0.75, 1].entries()) {
      for (const [c, n] of [[0, 40], [1, 20], [2, 12], [3, 8]]) expect(count(parts[j], c)).toBe(f === 1 ? n : Math.max(1, Math.round(f * n)));
    }
  });
  it('is nested: every smaller part lies inside the next one, and 100% is everything', () => {
    for (let j = 1; j < parts.length; j++) {
      const bigger = new Set(parts[j]);
      expect(parts[j - 1].every((i) => bigger.has(i))).toBe(true);
      expect(parts[j].length).toBeGreaterThan(parts[j - 1].length);
    }
    expect(parts[3]).toEqual(labels.map((_, i) => i));
  });
  it('is the same for a seed and differs between seeds', () => {
    expect(nestedFractions(labels, [0.25, 0.5], 1337)).toEqual(parts.slice(0, 2));
    expect(nestedFractions(labels, [0.25], 1338)[0]).not.toEqual(parts[0]);
  });
  it('keeps at least one face of a class even at small fractions', () => {
    const few = [0, 0, 0, 0, 1];
    const [part] = nestedFractions(few, [0.25], 1);
    expect(part.filter((i) => few[i] === 1)).toHaveLength(1);
    expect(part).toHaveLength(2);
  });
});

describe('wilson', () => {
  it('gives the textbook interval', () => {
    const w = wilson(8, 10);
    expect(w.lo).toBeCloseTo(0.4902, 3);
    expect(w.hi).toBeCloseTo(0.9433, 3);
  });
  it('stays inside [0, 1] at the edges and is the whole range without data', () => {
    expect(wilson(0, 20).lo).toBe(0);
    expect(wilson(20, 20).hi).toBe(1);
    expect(wilson(20, 20).lo).toBeGreaterThan(0.8);
    expect(wilson(0, 0)).toEqual({ lo: 0, hi: 1 });
  });
});

describe('fitCurve and estimateMore', () => {
  const sizes = [100, 200, 300, 400];
  // Points on acc = 1 − 2·n^−0.5 exactly (scored on 10,000 faces: tight intervals).
  const exact = sizes.map((n) => curveScore(Math.round((1 - 2 * n ** -0.5) * 10_000), 10_000));

  it('recovers a power law', () => {
    const fit = fitCurve(sizes, exact)!;
    expect(fit.c).toBeCloseTo(0.5, 1);
    expect(fit.b).toBeGreaterThan(1.7);
    expect(fit.b).toBeLessThan(2.3);
    expect(fittedAccuracy(fit, 400)).toBeCloseTo(0.9, 2);
    expect(fit.cLow).toBeGreaterThan(0);
  });
  it('estimates faces per class for +2 points from the fitted curve', () => {
    const s = buildSeries({ key: 'test', label: 'test', metric: '4-class accuracy', points: exact }, sizes, 4);
    // 1 − 2/√n = 0.92 at n = 625: 225 more faces, about 56 per class.
    expect(s.estimate.verdict).toBe('estimate');
    expect(s.estimate.morePerClass).toBe(roughly((625 - 400) / 4));
    expect(s.estimate.text).toMatch(/^about 56 more faces per class for \+2 points of 4-class accuracy$/);
  });
  it('says the curve is flat when precise points do not improve', () => {
    const flat = sizes.map(() => curveScore(9000, 10_000));
    const s = buildSeries({ key: 't', label: 't', metric: 'age accuracy', points: flat }, sizes, 4);
    expect(s.estimate.verdict).toBe('flat');
    expect(s.estimate.text).toMatch(/flat/);
    expect(s.estimate.morePerClass).toBeNull();
  });
  it('says there is not enough data to tell when few faces are scored or the points are noisy', () => {
    const few = sizes.map((_, i) => curveScore(10 + (i % 2), 15));
    expect(buildSeries({ key: 't', label: 't', metric: 'x', points: few }, sizes, 4).estimate.verdict).toBe('unknown');
    const noisy = [curveScore(40, 50), curveScore(38, 50), curveScore(41, 50), curveScore(39, 50)];
    const s = buildSeries({ key: 't', label: 't', metric: 'x', points: noisy }, sizes, 4);
    expect(s.estimate.verdict).toBe('unknown');
    expect(s.estimate.text).toMatch(/not enough data to tell/);
  });
  it('says +2 points is out of reach when the error is already 2 points or less', () => {
    const high = sizes.map((_, i) => curveScore(9750 + 20 * i, 10_000));
    expect(estimateMore({ points: high, fit: fitCurve(sizes, high), metric: 'x' }, sizes, 4).verdict).toBe('ceiling');
  });
  it('rounds to two significant figures', () => {
    expect([roughly(56.25), roughly(412), roughly(1234), roughly(7)]).toEqual([56, 410, 1200, 7]);
  });
});
