import { describe, expect, it } from 'vitest';
import { computeSlices, genderOf, parseSliceParam, sizeBucket, type SliceRow } from '@/lib/training/slices';

// A confounded test set worked out by hand, in the age label space (0 old, 1 young): the model
// answers "old" for men and "young" for women, so it is right on young women and old men and
// wrong on every old woman.
const row = (id: string, y: number, pred: number, gender: string, extra: Partial<SliceRow['attrs']> = {}): SliceRow => ({
  faceId: id,
  y,
  pred,
  attrs: { gender, ageGender: `${y === 0 ? 'old' : 'young'} ${gender}`, source: 'import', ...extra },
});
const rows: SliceRow[] = [
  // 6 old men: all right
  ...[1, 2, 3, 4, 5, 6].map((i) => row(`om${i}`, 0, 0, 'male')),
  // 6 young women: all right
  ...[1, 2, 3, 4, 5, 6].map((i) => row(`yw${i}`, 1, 1, 'female')),
  // 5 old women: predicted young
  ...[1, 2, 3, 4, 5].map((i) => row(`ow${i}`, 0, 1, 'female')),
  // 2 young men: one right, one wrong (too few to be the worst slice)
  row('ym1', 1, 1, 'male', { crop: 'whole image' }),
  row('ym2', 1, 0, 'male', { crop: 'whole image' }),
];
const s = computeSlices(rows, ['old', 'young']);
const dim = (d: string) => s.dims.find((x) => x.dim === d)!;
const val = (d: string, v: string) => dim(d).values.find((x) => x.value === v)!;

describe('computeSlices', () => {
  it('counts accuracy, recall and the confusion matrix within each slice', () => {
    expect(val('gender', 'female')).toMatchObject({ n: 11, accuracy: 6 / 11, confusion: [[0, 5], [0, 6]], recall: [0, 1] });
    expect(val('gender', 'male')).toMatchObject({ n: 8, accuracy: 7 / 8, confusion: [[6, 0], [1, 1]], recall: [1, 0.5] });
    // The rest of the dimension: the other values together.
    expect(val('gender', 'female').restAccuracy).toBeCloseTo(7 / 8);
    expect(val('ageGender', 'old female')).toMatchObject({ n: 5, accuracy: 0, recall: [0, null] });
    expect(val('ageGender', 'old female').faceIds).toEqual(['ow1', 'ow2', 'ow3', 'ow4', 'ow5']);
    expect(val('ageGender', 'old female').restAccuracy).toBeCloseTo(13 / 14);
  });

  it('leaves faces without a value out of a dimension, and skips dimensions no face has', () => {
    expect(dim('crop').values).toEqual([expect.objectContaining({ value: 'whole image', n: 2, restAccuracy: null })]);
    expect(s.dims.map((d) => d.dim)).toEqual(['gender', 'ageGender', 'source', 'crop']);
    // One value only: nothing to compare with.
    expect(val('source', 'import')).toMatchObject({ n: 19, restAccuracy: null });
  });

  it('names the worst slice among those with enough faces, and warns when it trails its dimension', () => {
    // young male (50 %, 2 faces) is below minN; old female (0 %, 5 faces) is the worst.
    expect(s.worst).toMatchObject({ dim: 'ageGender', value: 'old female', n: 5, accuracy: 0, warning: true });
    expect(s.worst!.gap).toBeCloseTo(13 / 14);
  });

  it('does not warn when the worst slice is within 5 points of the rest', () => {
    const even: SliceRow[] = [
      ...Array.from({ length: 10 }, (_, i) => row(`m${i}`, 0, i < 9 ? 0 : 1, 'male')), // 90 %
      ...Array.from({ length: 20 }, (_, i) => row(`f${i}`, 0, i < 19 ? 0 : 1, 'female')), // 95 %
    ];
    const e = computeSlices(even, ['old', 'young']);
    expect(e.worst).toMatchObject({ dim: 'gender', value: 'male', accuracy: 0.9, warning: false });
    // With at least 11 faces the men are too few; a dimension with one value (all from one source)
    // is the whole set, not a slice of it.
    expect(computeSlices(even, ['old', 'young'], { minN: 11 }).worst).toMatchObject({ dim: 'gender', value: 'female', accuracy: 0.95 });
    expect(computeSlices([], ['old', 'young']).worst).toBeNull();
  });

  it('refuses predictions outside the label space', () => {
    expect(() => computeSlices([{ faceId: 'x', y: 0, pred: 4, attrs: {} }], ['a', 'b', 'c', 'd'])).toThrow(/out of range/);
  });
});

describe('slice attributes', () => {
  it('buckets face sizes by the longer box side and genders by the male probability', () => {
    expect([63.9, 64, 128, 128.5].map(sizeBucket)).toEqual(['<64 px', '64–128 px', '64–128 px', '>128 px']);
    expect([0.49, 0.5, null, NaN].map(genderOf)).toEqual(['female', 'male', null, null]);
  });
  it('reads ?slice=<dim>:<value>', () => {
    expect(parseSliceParam('ageGender:old female')).toEqual({ dim: 'ageGender', value: 'old female' });
    expect(parseSliceParam('batch:a:b')).toEqual({ dim: 'batch', value: 'a:b' });
    expect(parseSliceParam('nope:x')).toBeNull();
    expect(parseSliceParam(undefined)).toBeNull();
  });
});
