// The learning curve of a run (issue #23): the head retrained on 25, 50, 75 and 100% of the training split
// (stratified, nested: every smaller part is inside the bigger ones; same seed, same recipe, same validation
// split), each scored on the test split and on every evaluation set, with 95% Wilson intervals; a curve fitted
// through the points, and what it says about collecting more labels ("about 400 more faces per class for +2
// points"). Pure: the train job (lib/training/job.ts) trains the heads and stores the result in the run's
// metrics JSON as `learningCurve`; the run page plots it and the dashboard's "Collect next" quotes it.
//
// The fitted curve: accuracy = 1 − b·n^(−c) (n = training faces), i.e. a straight line of log(error) against
// log(n), fitted by weighted least squares (each point weighted by the inverse of its log-error variance,
// m·e/(1−e) for m scored faces). Why not the three-parameter a − b·n^(−c): with four nested points the ceiling
// `a` cannot be told apart from noise, and a free `a` swings the estimate by orders of magnitude. Fixing a = 1
// is optimistic (label noise puts a ceiling below 100%), so the estimate is a lower bound on the faces needed.
import { prng, shuffleInPlace } from '../random';
import { wilson } from './interval';

/** The fractions of the training split each run's curve is measured at. */
export const CURVE_FRACTIONS = [0.25, 0.5, 0.75, 1] as const;
/**
 * Above this many training faces the smaller points are taken of the first CURVE_CAP faces' worth (the same
 * shares of it), not of the whole split: the curve's extra heads then cost at most 1.5 × CURVE_CAP faces of
 * training, whatever the size (at 91,000 training faces they had cost 1.5 × 91,000, more than the run's own head).
 * The log-log fit takes the points at whatever sizes they are.
 */
export const CURVE_CAP = 20_000;

/** The fractions of a training split of `n` faces the curve is measured at: CURVE_FRACTIONS, or smaller above CURVE_CAP. */
export function curveFractions(n: number): number[] {
  const scale = n > CURVE_CAP ? CURVE_CAP / n : 1;
  return CURVE_FRACTIONS.map((f) => (f >= 1 ? 1 : f * scale));
}

/** The gain the estimate is for, in accuracy (0.02 = 2 points). */
export const CURVE_GAIN = 0.02;

export type CurveScore = { k: number; n: number; accuracy: number; low: number; high: number };
export type CurveEstimate = {
  /** `estimate`: faces per class for +2 points; `flat`: more of the same data is unlikely to add 2 points;
   * `unknown`: the points are too noisy to tell; `ceiling`: the error is already 2 points or less. */
  verdict: 'estimate' | 'flat' | 'unknown' | 'ceiling';
  morePerClass: number | null;
  text: string;
};
export type CurveSeries = {
  /** `test`, or `evalSet:<name>`. */
  key: string;
  /** What is measured: "test split, 4-class accuracy", "age-dev, age accuracy". */
  label: string;
  /** What the estimate talks about: "4-class accuracy", "age accuracy on age-dev". */
  metric: string;
  /** One score per fraction. */
  points: CurveScore[];
  /** acc = 1 − b·n^(−c); null when it cannot be fitted. */
  fit: { b: number; c: number; cLow: number } | null;
  estimate: CurveEstimate;
};
export type LearningCurve = {
  fractions: number[];
  /** Training faces at each fraction. */
  trainFaces: number[];
  /** Classes in the training split (the estimate is per class). */
  classes: number;
  seed: number;
  model: 'acc = 1 - b*n^-c';
  series: CurveSeries[];
};

/**
 * Stratified, nested subsets of a training split: each class's indices are shuffled once (seeded) and fraction f
 * takes the first round(f · count) of them (at least one per class), so every subset holds about f of every
 * class and contains every smaller one. Returns, per fraction, indices into `labels` in ascending order.
 */
export function nestedFractions(labels: readonly number[], fractions: readonly number[], seed: number): number[][] {
  const rand = prng(seed);
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const shuffled = [...byClass.keys()].sort((a, b) => a - b).map((c) => shuffleInPlace([...byClass.get(c)!], rand));
  return fractions.map((f) => shuffled.flatMap((idx) => idx.slice(0, f >= 1 ? idx.length : Math.max(1, Math.round(f * idx.length)))).sort((a, b) => a - b));
}

export function curveScore(k: number, n: number): CurveScore {
  const w = wilson(k, n);
  return { k, n, accuracy: n ? k / n : 0, low: w.lo, high: w.hi };
}

/**
 * Weighted least squares of log(error) on log(n): error = b·n^(−c). Errors are smoothed ((m − k + 0.5) / (m + 1))
 * so a perfect point has a finite log. `cLow` is c − 1.96 standard errors (c is "really" positive when cLow > 0).
 */
export function fitCurve(trainFaces: readonly number[], points: readonly CurveScore[]): CurveSeries['fit'] {
  const rows = points
    .map((p, i) => ({ x: Math.log(trainFaces[i]), e: (p.n - p.k + 0.5) / (p.n + 1), m: p.n }))
    .filter((r) => r.m > 0 && Number.isFinite(r.x));
  if (rows.length < 3 || new Set(rows.map((r) => r.x)).size < 2) return null;
  const ws = rows.map((r) => (r.m * r.e) / (1 - r.e));
  const ys = rows.map((r) => Math.log(r.e));
  const W = ws.reduce((a, b) => a + b, 0);
  const mx = rows.reduce((a, r, i) => a + ws[i] * r.x, 0) / W;
  const my = ys.reduce((a, y, i) => a + ws[i] * y, 0) / W;
  const sxx = rows.reduce((a, r, i) => a + ws[i] * (r.x - mx) ** 2, 0);
  const sxy = rows.reduce((a, r, i) => a + ws[i] * (r.x - mx) * (ys[i] - my), 0);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  // Standard error of the slope from the weights (variances known up to the delta method), widened by the
  // residual scatter when that is larger than the weights expect (nested points are not independent).
  const rss = rows.reduce((a, r, i) => a + ws[i] * (ys[i] - intercept - slope * r.x) ** 2, 0);
  const scale = Math.max(1, rss / Math.max(1, rows.length - 2));
  const se = Math.sqrt(scale / sxx);
  return { b: Math.exp(intercept), c: -slope, cLow: -slope - 1.96 * se };
}

/** The fitted accuracy at n training faces. */
export const fittedAccuracy = (fit: NonNullable<CurveSeries['fit']>, n: number) => 1 - fit.b * n ** -fit.c;

/** Two significant figures (400, 1,200, 35). */
export function roughly(x: number): number {
  if (x <= 0) return 0;
  const p = 10 ** Math.max(0, Math.floor(Math.log10(x)) - 1);
  return Math.round(x / p) * p;
}

const fmt = (x: number) => roughly(x).toLocaleString('en-US');

/** What the curve says about +2 points (CURVE_GAIN): honest about flat and noisy curves. */
export function estimateMore(series: Pick<CurveSeries, 'points' | 'fit' | 'metric'>, trainFaces: readonly number[], classes: number): CurveEstimate {
  const last = series.points.at(-1);
  const first = series.points[0];
  const nNow = trainFaces.at(-1) ?? 0;
  const gain = `+${Math.round(CURVE_GAIN * 100)} points of ${series.metric}`;
  if (!last || last.n < 20 || !series.fit || classes === 0) {
    return { verdict: 'unknown', morePerClass: null, text: `not enough data to tell (${last?.n ?? 0} faces scored)` };
  }
  const err = 1 - last.accuracy;
  if (err <= CURVE_GAIN) {
    return { verdict: 'ceiling', morePerClass: null, text: `already at ${(100 * last.accuracy).toFixed(1)}%: ${gain} would need more than 100%` };
  }
  const { b, c, cLow } = series.fit;
  const halfWidth = (last.high - last.low) / 2;
  if (cLow <= 0) {
    // The error does not fall clearly with more faces: flat when the points are precise, else unknown.
    if (halfWidth <= 0.03 && Math.abs(last.accuracy - first.accuracy) < 0.01) {
      return { verdict: 'flat', morePerClass: null, text: `the curve is flat: more faces like these are unlikely to add ${gain.slice(1)}` };
    }
    return { verdict: 'unknown', morePerClass: null, text: `not enough data to tell (the ${(100 * halfWidth).toFixed(0)}-point intervals hide the trend)` };
  }
  const errNow = b * nNow ** -c;
  const target = errNow - CURVE_GAIN;
  if (target <= 0) {
    return { verdict: 'ceiling', morePerClass: null, text: `the fitted curve is within 2 points of 100%: ${gain} is out of reach` };
  }
  const nTarget = (target / b) ** (-1 / c);
  const perClass = Math.max(1, (nTarget - nNow) / classes);
  if (nTarget > 50 * nNow) {
    return { verdict: 'flat', morePerClass: null, text: `the curve is nearly flat: ${gain} would take more than ${fmt(perClass)} more faces per class` };
  }
  return { verdict: 'estimate', morePerClass: roughly(perClass), text: `about ${fmt(perClass)} more faces per class for ${gain}` };
}

/** A series from its scores at each fraction: the fit and the estimate. */
export function buildSeries(
  s: { key: string; label: string; metric: string; points: CurveScore[] },
  trainFaces: readonly number[],
  classes: number,
): CurveSeries {
  const fit = fitCurve(trainFaces, s.points);
  return { ...s, fit, estimate: estimateMore({ points: s.points, fit, metric: s.metric }, trainFaces, classes) };
}
