// The label-error ranking on hand-made out-of-fold probabilities, and the stratified folds it uses.
import { describe, expect, it } from 'vitest';
import { CLASSES } from '@/lib/classes';
import { rankLabelErrors, scoreLabel } from '@/lib/label-errors/rank';
import { stratifiedFolds } from '@/lib/training/cross-validate';

const [MO, MY, NO, NY] = [0, 1, 2, 3];

describe('label-error ranking', () => {
  it('scores 1 − p(given label) and suggests the most probable other class', () => {
    const s = scoreLabel(MO, [0.1, 0.2, 0.6, 0.1]);
    expect(s.score).toBeCloseTo(0.9);
    expect(s.suggested).toBe(NO);
    expect(s.margin).toBeCloseTo(0.5);
    // The model agrees: low score, a negative margin, still a "best other" class to show.
    const ok = scoreLabel(NY, [0.01, 0.02, 0.07, 0.9]);
    expect(ok.score).toBeCloseTo(0.1);
    expect(ok.suggested).toBe(NO);
    expect(ok.margin).toBeLessThan(0);
  });

  it('ranks the faces the model disagrees with most first, ties by margin, then by id', () => {
    const ranked = rankLabelErrors([
      { faceId: 'agree', label: MO, probs: [0.97, 0.01, 0.01, 0.01] },
      { faceId: 'flipped-age', label: MO, probs: [0.1, 0.85, 0.03, 0.02] },
      { faceId: 'unsure', label: NY, probs: [0.1, 0.1, 0.35, 0.45] },
      // Same score (0.7) as b-spread, but the mass is on one other class: ranked before it.
      { faceId: 'c-peaked', label: MY, probs: [0.0, 0.3, 0.7, 0.0] },
      { faceId: 'b-spread', label: MY, probs: [0.25, 0.3, 0.25, 0.2] },
      { faceId: 'a-peaked', label: MY, probs: [0.0, 0.3, 0.7, 0.0] },
    ]);
    expect(ranked.map((r) => r.faceId)).toEqual(['flipped-age', 'a-peaked', 'c-peaked', 'b-spread', 'unsure', 'agree']);
    expect(ranked[0]).toMatchObject({ label: MO, suggested: MY });
    expect(ranked[0].score).toBeCloseTo(0.9);
  });

  it('refuses probabilities of the wrong length or an unknown label', () => {
    expect(() => scoreLabel(MO, [0.5, 0.5])).toThrow(/4 probabilities/);
    expect(() => scoreLabel(7, [0.25, 0.25, 0.25, 0.25])).toThrow(/out of range/);
  });
});

describe('stratified folds', () => {
  it('puts every index in exactly one fold, about 1/k of each class per fold, the same for a seed', () => {
    const labels = Array.from({ length: 103 }, (_, i) => (i < 40 ? MO : i < 70 ? MY : i < 95 ? NO : NY));
    const folds = stratifiedFolds(labels, 5, 42);
    expect(folds.flat().sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
    for (const f of folds) {
      expect(f.filter((i) => labels[i] === MO).length).toBe(8);
      expect(f.length).toBeGreaterThanOrEqual(20);
      expect(f.length).toBeLessThanOrEqual(21);
    }
    expect(stratifiedFolds(labels, 5, 42)).toEqual(folds);
    expect(stratifiedFolds(labels, 5, 43)).not.toEqual(folds);
    expect(CLASSES.length).toBe(4);
  });
});
