// The dataset map's arithmetic (lib/dataset-map/map.ts): PCA fitted on some rows and applied to others, the
// distance from the subspace that lets a face unlike the fitted ones stand out, and points placed on a fitted
// UMAP map by its transform.
import { describe, expect, it } from 'vitest';
import { embed2d, outlierScores, pcaApply, pcaApplyWithResidual, pcaFit, pcaProject } from '@/lib/dataset-map/map';
import { prng } from '@/lib/random';

/** `n` points around each of two centres in 16 dimensions (noise in the first 8, the rest 0), the centres apart in the first one only. */
function clusters(n: number, seed: number): { a: Float64Array[]; b: Float64Array[] } {
  const r = prng(seed);
  const around = (c: number) => Float64Array.from({ length: 16 }, (_, j) => (j === 0 ? c : 0) + (j < 8 ? (r() - 0.5) * 0.2 : 0));
  return { a: Array.from({ length: n }, () => around(0)), b: Array.from({ length: n }, () => around(3)) };
}

describe('dataset map arithmetic', () => {
  it('PCA fitted on some rows and applied to another is the projection pcaProject gives the rows', () => {
    const { a, b } = clusters(20, 1);
    const rows = [...a, ...b];
    const pca = pcaFit(rows, 4, 7);
    expect(pcaProject(rows, 4, 7)).toEqual(rows.map((x) => pcaApply(pca, x)));
  });

  it('a face unlike the fitted ones stands out by its distance from the subspace, not inside it', () => {
    const { a, b } = clusters(30, 2);
    const pca = pcaFit([...a, ...b], 2, 7);
    // A face of cluster a, moved far in a dimension where none of the fitted ones varies (the subspace leaves it out).
    const far = Float64Array.from(a[0]);
    far[12] = 5;
    const points = [...a, ...b, far];
    const labelled = points.map((_, i) => i < 60);
    const inside = outlierScores(points.map((x) => pcaApply(pca, x)), labelled);
    const withResidual = outlierScores(points.map((x) => pcaApplyWithResidual(pca, x)), labelled);
    expect(inside.distance[60] > inside.fence!).toBe(false); // inside the subspace it looks like the others
    expect(withResidual.distance[60] > withResidual.fence!).toBe(true);
    expect(withResidual.distance.slice(0, 60).filter((d) => d > withResidual.fence!)).toEqual([]);
  });

  it('places extra points on the fitted map beside the cluster they belong to', async () => {
    const { a, b } = clusters(40, 3);
    const { a: a2, b: b2 } = clusters(3, 4);
    const xy = await embed2d([...a, ...b], 5, undefined, [...a2, ...b2]);
    expect(xy).toHaveLength(86);
    for (const [x, y] of xy) expect(Math.min(x, y) >= 0 && Math.max(x, y) <= 1).toBe(true);
    const centre = (pts: [number, number][]) => [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
    const [ca, cb] = [centre(xy.slice(0, 40)), centre(xy.slice(40, 80))];
    const d = (p: [number, number], c: number[]) => Math.hypot(p[0] - c[0], p[1] - c[1]);
    for (const p of xy.slice(80, 83)) expect(d(p, ca)).toBeLessThan(d(p, cb));
    for (const p of xy.slice(83)) expect(d(p, cb)).toBeLessThan(d(p, ca));
  });
});
