// Slice metrics: accuracy, per-class recall and the confusion matrix within groups of faces
// (apparent gender, age group × gender, source, import batch, uploader, face size, whole image
// vs detected crop). A model can score well overall by learning a shortcut of the training data
// (gender for age, photo style for mask); it shows as one slice far below the others.
// Pure: rows in, numbers out (the train job gathers the attributes, see slice-attrs.ts).

export const SLICE_DIMS = ['gender', 'ageGender', 'source', 'batch', 'uploader', 'size', 'crop'] as const;
export type SliceDim = (typeof SLICE_DIMS)[number];

export const SLICE_DIM_NAMES: Record<SliceDim, string> = {
  gender: 'Apparent gender',
  ageGender: 'Age group × apparent gender',
  source: 'Source',
  batch: 'Import batch',
  uploader: 'Uploader',
  size: 'Face size',
  crop: 'Crop',
};

/** A face's value per dimension; null or missing leaves it out of that dimension. */
export type SliceAttrs = Partial<Record<SliceDim, string | null>>;
/** y and pred are indices into the label space (`classes`). */
export type SliceRow = { faceId: string; y: number; pred: number; attrs: SliceAttrs };

export type SliceStats = {
  value: string;
  n: number;
  accuracy: number;
  /** Recall per class of the label space (null: no face of that class in the slice). */
  recall: (number | null)[];
  /** confusion[true][predicted] within the slice. */
  confusion: number[][];
  /** Accuracy of the dimension's other values together (null when there are none). */
  restAccuracy: number | null;
  faceIds: string[];
};

export type WorstSlice = { dim: SliceDim; value: string; n: number; accuracy: number; restAccuracy: number | null; gap: number | null; warning: boolean };

export type Slices = {
  /** The label space: the 4 classes, or a single attribute (old/young, mask/nomask) for an evaluation set. */
  classes: string[];
  minN: number;
  dims: { dim: SliceDim; values: SliceStats[] }[];
  /** Lowest accuracy among slices with at least minN faces in a dimension of two values or more (null when none). */
  worst: WorstSlice | null;
};

export const MIN_SLICE_FACES = 5;
/** The worst slice is flagged when it trails the rest of its dimension by more than this. */
export const WARN_GAP = 0.05;

const div = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function computeSlices(rows: readonly SliceRow[], classes: readonly string[], opts: { minN?: number; warnGap?: number } = {}): Slices {
  const minN = opts.minN ?? MIN_SLICE_FACES;
  const warnGap = opts.warnGap ?? WARN_GAP;
  const k = classes.length;
  const dims: Slices['dims'] = [];
  let worst: WorstSlice | null = null;
  for (const dim of SLICE_DIMS) {
    const groups = new Map<string, SliceRow[]>();
    for (const r of rows) {
      if (!(r.y >= 0 && r.y < k && r.pred >= 0 && r.pred < k)) throw new Error(`slices: label ${r.y} or prediction ${r.pred} out of range`);
      const v = r.attrs[dim];
      if (v === null || v === undefined || v === '') continue;
      const g = groups.get(v);
      if (g) g.push(r);
      else groups.set(v, [r]);
    }
    if (groups.size === 0) continue;
    const total = [...groups.values()].reduce((a, g) => a + g.length, 0);
    const totalOk = [...groups.values()].reduce((a, g) => a + g.filter((r) => r.y === r.pred).length, 0);
    const values: SliceStats[] = [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([value, g]) => {
        const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
        for (const r of g) confusion[r.y][r.pred]++;
        const ok = g.filter((r) => r.y === r.pred).length;
        const restN = total - g.length;
        return {
          value,
          n: g.length,
          accuracy: div(ok, g.length),
          recall: confusion.map((row, t) => {
            const support = row.reduce((a, b) => a + b, 0);
            return support ? row[t] / support : null;
          }),
          confusion,
          restAccuracy: restN ? (totalOk - ok) / restN : null,
          faceIds: g.map((r) => r.faceId),
        };
      });
    dims.push({ dim, values });
    for (const s of values) {
      // A dimension with one value is the whole set, not a slice of it.
      if (s.n < minN || s.restAccuracy === null) continue;
      const gap = s.restAccuracy === null ? null : s.restAccuracy - s.accuracy;
      const cand: WorstSlice = { dim, value: s.value, n: s.n, accuracy: s.accuracy, restAccuracy: s.restAccuracy, gap, warning: gap !== null && gap > warnGap };
      // Lowest accuracy; among equals the one that trails its dimension most, then the larger.
      if (
        !worst ||
        cand.accuracy < worst.accuracy - 1e-12 ||
        (Math.abs(cand.accuracy - worst.accuracy) <= 1e-12 && ((cand.gap ?? -Infinity) > (worst.gap ?? -Infinity) || (cand.gap === worst.gap && cand.n > worst.n)))
      ) {
        worst = cand;
      }
    }
  }
  return { classes: [...classes], minN, dims, worst };
}

/** Slices without the face lists (the CLI's JSON, summaries). */
export function withoutFaceIds(s: Slices): Omit<Slices, 'dims'> & { dims: { dim: SliceDim; values: Omit<SliceStats, 'faceIds'>[] }[] } {
  return { ...s, dims: s.dims.map((d) => ({ dim: d.dim, values: d.values.map(({ faceIds: _f, ...v }) => v) })) };
}

/** Face size bucket from the box's longer side in original-photo pixels. */
export function sizeBucket(longerSide: number): string {
  return longerSide < 64 ? '<64 px' : longerSide <= 128 ? '64–128 px' : '>128 px';
}

export function genderOf(male: number | null | undefined): string | null {
  if (male === null || male === undefined || !Number.isFinite(male)) return null;
  return male >= 0.5 ? 'male' : 'female';
}

/** `?slice=<dim>:<value>` → the dimension and value, or null. */
export function parseSliceParam(s: string | null | undefined): { dim: SliceDim; value: string } | null {
  if (!s) return null;
  const i = s.indexOf(':');
  if (i < 0) return null;
  const dim = s.slice(0, i) as SliceDim;
  if (!(SLICE_DIMS as readonly string[]).includes(dim)) return null;
  return { dim, value: s.slice(i + 1) };
}
