// The dataset map's arithmetic, without the database: L2-normalised features → PCA (randomised
// range finder, seeded; fitted on the mapped faces, applied to any) → UMAP to 2-D (umap-js, seeded;
// further points placed by its transform), and an outlier score per face: the mean
// distance (in the PCA space) to its nearest labelled faces. Faces whose score is far above what
// labelled faces have among themselves (Tukey's far-out fence, Q3 + 3·IQR) are listed as possible
// non-faces or outliers.
import { UMAP } from 'umap-js';
import { prng } from '../random';

export const MAP_PCA_DIMS = 32;
export const MAP_KNN = 5;

export type Pca = { mean: Float64Array; basis: Float64Array[] };

/** The (approximate) top principal subspace of `k` dimensions of `rows`: their mean and an orthonormal basis. */
export function pcaFit(rows: readonly ArrayLike<number>[], k: number, seed: number): Pca {
  const n = rows.length;
  const d = n ? rows[0].length : 0;
  const l = Math.max(1, Math.min(k, n, d));
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  const X = rows.map((r) => Float64Array.from({ length: d }, (_, j) => r[j] - mean[j]));
  const rand = prng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  // Columns of a d×l matrix as l arrays of d.
  let basis: Float64Array[] = Array.from({ length: l }, () => Float64Array.from({ length: d }, gauss));
  const times = (vs: Float64Array[]) => X.map((x) => Float64Array.from(vs, (v) => dot(x, v))); // n × l
  const timesT = (Y: Float64Array[]) =>
    Array.from({ length: l }, (_, c) => {
      const out = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        const y = Y[i][c];
        if (y !== 0) for (let j = 0; j < d; j++) out[j] += y * X[i][j];
      }
      return out;
    }); // l vectors of d: Xᵀ Y
  // Two power iterations sharpen the subspace; the right basis is orthonormalised each time.
  for (let it = 0; it < 3; it++) basis = orthonormal(timesT(times(orthonormal(basis))));
  return { mean, basis: orthonormal(basis) };
}

/** A row in the principal subspace (centred). */
export function pcaApply(pca: Pca, row: ArrayLike<number>): Float64Array {
  return Float64Array.from(pca.basis, (v) => {
    let s = 0;
    for (let j = 0; j < v.length; j++) s += (row[j] - pca.mean[j]) * v[j];
    return s;
  });
}

/**
 * A row in the principal subspace followed by its distance from it (the length of what the subspace leaves out):
 * for outlier distances. A face unlike those the subspace was fitted on can lie close to them inside it (its
 * difference is in the dimensions left out) but not with its distance from it.
 */
export function pcaApplyWithResidual(pca: Pca, row: ArrayLike<number>): Float64Array {
  const p = pcaApply(pca, row);
  let all = 0;
  for (let j = 0; j < pca.mean.length; j++) all += (row[j] - pca.mean[j]) ** 2;
  let inside = 0;
  for (const c of p) inside += c * c;
  const out = new Float64Array(p.length + 1);
  out.set(p);
  out[p.length] = Math.sqrt(Math.max(0, all - inside));
  return out;
}

/** Rows projected onto (approximately) their top principal subspace of `k` dimensions, centred. */
export function pcaProject(rows: readonly ArrayLike<number>[], k: number, seed: number): Float64Array[] {
  if (rows.length === 0) return [];
  const pca = pcaFit(rows, k, seed);
  return rows.map((r) => pcaApply(pca, r));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Modified Gram–Schmidt; vectors that vanish are dropped. */
function orthonormal(vs: Float64Array[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const v0 of vs) {
    const v = Float64Array.from(v0);
    for (const u of out) {
      const p = dot(v, u);
      for (let j = 0; j < v.length; j++) v[j] -= p * u[j];
    }
    const norm = Math.sqrt(dot(v, v));
    if (norm > 1e-9) out.push(v.map((x) => x / norm));
  }
  return out;
}

export function l2normalise(v: ArrayLike<number>): Float64Array {
  const norm = Math.sqrt(dot(v, v)) || 1;
  return Float64Array.from(v as ArrayLike<number>, (x) => x / norm);
}

/**
 * 2-D coordinates (UMAP; for fewer than 5 faces the first two principal components), scaled to [0, 1]: of
 * `points`, then of `extra` (placed on the fitted map by UMAP's transform, not fitted), in that order.
 */
export async function embed2d(
  points: readonly Float64Array[],
  seed: number,
  onEpoch?: (epoch: number) => Promise<void> | void,
  extra: readonly Float64Array[] = [],
): Promise<[number, number][]> {
  const n = points.length;
  if (n === 0) return [];
  let xy: number[][];
  if (n < 5) xy = [...points, ...extra].map((p) => [p[0] ?? 0, p[1] ?? 0]);
  else {
    const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, n - 1), minDist: 0.1, random: prng(seed) });
    const epochs = umap.initializeFit(points.map((p) => Array.from(p)));
    for (let e = 0; e < epochs; e++) {
      umap.step();
      if (onEpoch && e % 50 === 0) await onEpoch(e);
    }
    xy = umap.getEmbedding();
    if (extra.length) xy = [...xy, ...umap.transform(extra.map((p) => Array.from(p)))];
  }
  const scale = (c: number) => {
    const vs = xy.map((p) => p[c]);
    const lo = Math.min(...vs);
    const span = Math.max(...vs) - lo || 1;
    return (v: number) => Math.round(((v - lo) / span) * 1e4) / 1e4;
  };
  const [sx, sy] = [scale(0), scale(1)];
  return xy.map((p) => [sx(p[0]), sy(p[1])]);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Each point's mean distance to its `k` nearest labelled points (itself left out), and the fence above
 * which a point is an outlier: Q3 + 3·IQR of the labelled points' own distances. Null fence (nothing
 * flagged) with fewer than k + 1 labelled points.
 */
export function outlierScores(points: readonly Float64Array[], labelled: readonly boolean[], k = MAP_KNN): { distance: number[]; fence: number | null } {
  const ref = points.map((_, i) => i).filter((i) => labelled[i]);
  const kk = Math.min(k, ref.length - 1);
  if (kk < 1) return { distance: points.map(() => 0), fence: null };
  const nearest = new Float64Array(kk); // the kk smallest squared distances so far, ascending
  const distance = points.map((p, i) => {
    nearest.fill(Infinity);
    for (const j of ref) {
      if (j === i) continue;
      let s = 0;
      const q = points[j];
      for (let c = 0; c < p.length && s < nearest[kk - 1]; c++) s += (p[c] - q[c]) ** 2;
      if (s >= nearest[kk - 1]) continue;
      let at = kk - 1;
      for (; at > 0 && nearest[at - 1] > s; at--) nearest[at] = nearest[at - 1];
      nearest[at] = s;
    }
    let sum = 0;
    for (const d2 of nearest) sum += Math.sqrt(d2);
    return sum / kk;
  });
  const own = ref.map((i) => distance[i]).sort((a, b) => a - b);
  const q1 = quantile(own, 0.25);
  const q3 = quantile(own, 0.75);
  return { distance, fence: q3 + 3 * (q3 - q1) };
}
