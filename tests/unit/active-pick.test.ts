// The label desk's "least confident first" as the active-learning bench simulates it: the faces whose top class
// probability is lowest come first.
import { describe, expect, it } from 'vitest';
import { confidenceOf, pickLeastConfident } from '@/lib/suggest/pick';

const p = (...xs: number[]) => Float32Array.from(xs);

describe('pickLeastConfident', () => {
  const probs = [p(0.9, 0.05, 0.03, 0.02), p(0.3, 0.3, 0.2, 0.2), p(0.5, 0.5, 0, 0), p(0.26, 0.25, 0.25, 0.24), p(0.3, 0.3, 0.2, 0.2)];
  it('takes the faces with the lowest top probability first, ties by position', () => {
    expect(probs.map(confidenceOf)).toEqual([0.9, 0.3, 0.5, 0.26, 0.3].map((x) => Math.fround(x)));
    expect(pickLeastConfident(probs, 3)).toEqual([3, 1, 4]);
    expect(pickLeastConfident(probs, 10)).toEqual([3, 1, 4, 2, 0]);
    expect(pickLeastConfident(probs, 0)).toEqual([]);
  });
  it('picks only among the candidates when given', () => {
    expect(pickLeastConfident(probs, 2, [0, 2, 4])).toEqual([4, 2]);
  });
});
