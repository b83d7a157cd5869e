import { describe, expect, it } from 'vitest';
import { computeMetrics } from '@/lib/training/metrics';

// Six faces worked out by hand (classes: 0 mask_old, 1 mask_young, 2 nomask_old, 3 nomask_young).
const yTrue = [0, 0, 1, 2, 3, 3];
const probs = [
  [0.7, 0.1, 0.1, 0.1], // right
  [0.2, 0.5, 0.2, 0.1], // → mask_young: mask right, age wrong
  [0.1, 0.6, 0.1, 0.2], // right
  [0.4, 0.0, 0.35, 0.25], // → mask_old, but p(mask) = 0.4: mask right; p(old) = 0.75: age right
  [0.0, 0.1, 0.2, 0.7], // right
  [0.1, 0.1, 0.6, 0.2], // → nomask_old: mask right, age wrong
];
const ids = ['a', 'b', 'c', 'd', 'e', 'f'];

describe('computeMetrics', () => {
  const m = computeMetrics(yTrue, probs, ids);

  it('counts the confusion matrix with true classes as rows', () => {
    expect(m.confusion).toEqual([
      [1, 1, 0, 0],
      [0, 1, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 1, 1],
    ]);
    expect(m.n).toBe(6);
    expect(m.accuracy).toBeCloseTo(0.5);
  });

  it('computes per-class precision, recall, F1 and support', () => {
    expect(m.perClass.mask_old).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(m.perClass.mask_young.precision).toBeCloseTo(0.5);
    expect(m.perClass.mask_young.recall).toBeCloseTo(1);
    expect(m.perClass.mask_young.f1).toBeCloseTo(2 / 3);
    expect(m.perClass.nomask_old).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(m.perClass.nomask_young.precision).toBeCloseTo(1);
    expect(m.perClass.nomask_young.recall).toBeCloseTo(0.5);
    expect(m.perClass.nomask_young.f1).toBeCloseTo(2 / 3);
  });

  it('averages macro (classes equal) and weighted (by support)', () => {
    expect(m.macro.precision).toBeCloseTo(0.5);
    expect(m.macro.recall).toBeCloseTo(0.5);
    expect(m.macro.f1).toBeCloseTo(11 / 24);
    expect(m.weighted.precision).toBeCloseTo(3.5 / 6);
    expect(m.weighted.recall).toBeCloseTo(0.5);
    expect(m.weighted.f1).toBeCloseTo(0.5);
  });

  it('answers mask and age from summed class probabilities', () => {
    expect(m.maskAccuracy).toBeCloseTo(1);
    expect(m.ageAccuracy).toBeCloseTo(4 / 6);
  });

  it('lists the misclassified faces, most confident first', () => {
    expect(m.misclassified).toEqual([
      { faceId: 'f', trueLabel: 'nomask_young', predicted: 'nomask_old', confidence: 0.6 },
      { faceId: 'b', trueLabel: 'mask_old', predicted: 'mask_young', confidence: 0.5 },
      { faceId: 'd', trueLabel: 'nomask_old', predicted: 'mask_old', confidence: 0.4 },
    ]);
  });

  it('keeps every prediction, so each confusion cell can list its faces', () => {
    expect(m.predictions?.filter((x) => x.t === 3 && x.p === 2).map((x) => x.faceId)).toEqual(['f']);
    expect(m.predictions?.filter((x) => x.t === x.p).map((x) => x.faceId)).toEqual(['a', 'c', 'e']);
    expect(computeMetrics([0], [[1, 0, 0, 0]]).predictions).toBeUndefined();
  });

  it('refuses mismatched input', () => {
    expect(() => computeMetrics([0, 1], [[1, 0, 0, 0]])).toThrow(/2 labels but 1 predictions/);
    expect(() => computeMetrics([4], [[1, 0, 0, 0]])).toThrow(/out of range/);
  });
});
