import { describe, expect, it } from 'vitest';
import { promotionDecision, scoreEvalSet, type EvalFace } from '@/lib/training/evaluation';

// Class order: 0 mask_old, 1 mask_young, 2 nomask_old, 3 nomask_young.
const P = {
  maskOld: [0.7, 0.1, 0.1, 0.1],
  maskYoung: [0.1, 0.7, 0.1, 0.1],
  nomaskOld: [0.1, 0.1, 0.7, 0.1],
  nomaskYoung: [0.1, 0.1, 0.1, 0.7],
};

describe('scoreEvalSet', () => {
  it('scores an age-only set on age, whatever the mask', () => {
    const faces: EvalFace[] = [
      { id: 'a', label: null, attrLabel: 'old' },
      { id: 'b', label: null, attrLabel: 'old' },
      { id: 'c', label: null, attrLabel: 'young' },
      { id: 'd', label: null, attrLabel: 'young' },
    ];
    const m = scoreEvalSet(faces, [P.nomaskOld, P.maskYoung, P.maskYoung, P.nomaskOld], new Map([['a', { gender: 'male' }]]));
    expect(m).toMatchObject({ n: 4, kind: 'age', accuracy: 0.5, ageAccuracy: 0.5, maskAccuracy: null, classAccuracy: null, counts: { class: 0, age: 4, mask: 0 } });
    expect(m.slices.classes).toEqual(['old', 'young']);
    expect(m.predictions.map((p) => p.correct)).toEqual([true, false, true, false]);
    expect(m.slices.dims).toEqual([expect.objectContaining({ dim: 'gender', values: [expect.objectContaining({ value: 'male', n: 1, confusion: [[1, 0], [0, 0]] })] })]);
  });

  it('scores a fully labelled face on its class, a mask-only face on mask; slices on the attribute every face has', () => {
    const faces: EvalFace[] = [
      { id: 'a', label: 'mask_old', attrLabel: null },
      { id: 'b', label: null, attrLabel: 'nomask' },
      { id: 'c', label: null, attrLabel: 'mask' },
    ];
    const m = scoreEvalSet(faces, [P.maskYoung, P.nomaskYoung, P.nomaskOld], new Map());
    // a: class wrong (mask right, age wrong); b: mask right; c: mask wrong.
    expect(m).toMatchObject({ kind: 'mask', accuracy: 1 / 3, classAccuracy: 0, maskAccuracy: 2 / 3, ageAccuracy: 0 });
    expect(m.slices.classes).toEqual(['mask', 'nomask']);
  });
});

describe('promotionDecision', () => {
  const sets = [
    { name: 'age-dev', accuracy: 0.9, promotedAccuracy: 0.92 },
    { name: 'mask-dev', accuracy: 0.95, promotedAccuracy: 0.9 },
  ];
  it('promotes on a better test macro-F1 when evaluation sets do not count', () => {
    expect(promotionDecision({ macroF1: 0.8, promotedMacroF1: 0.7, evalSets: sets, requireNoEvalDrop: false })).toMatchObject({ promoted: true });
    expect(promotionDecision({ macroF1: 0.7, promotedMacroF1: 0.7, evalSets: [], requireNoEvalDrop: false })).toMatchObject({ promoted: false, reason: expect.stringMatching(/does not beat/) });
  });
  it('with the setting on, a drop on any evaluation set holds promotion back and is named', () => {
    const d = promotionDecision({ macroF1: 0.8, promotedMacroF1: 0.7, evalSets: sets, requireNoEvalDrop: true });
    expect(d.promoted).toBe(false);
    expect(d.reason).toContain('"age-dev" (90.0% < 92.0%)');
    expect(d.reason).not.toContain('mask-dev');
    expect(promotionDecision({ macroF1: 0.8, promotedMacroF1: 0.7, evalSets: [sets[1]], requireNoEvalDrop: true }).promoted).toBe(true);
  });
});
