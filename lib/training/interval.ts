// How much a measured proportion can be trusted: 95% Wilson score intervals for accuracy, recall
// and slice figures, and the sizes below which a test split, an evaluation set or the labelled
// data is too small to tell models apart. Pure (no imports): pages, client components, the
// worker and the CLI share it.

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** A test split or evaluation set with fewer faces than this is too small to tell. */
export const MIN_EVAL_FACES = 30;
/** …or with fewer faces than this in one of its classes. */
export const MIN_EVAL_CLASS_FACES = 10;
/**
 * Labelled faces per class below which a retrain is not meaningful: the head learns from fewer than
 * 25 faces of a class and, with a tenth of each class in the test split (DEFAULT_RATIOS), the test
 * split holds 3 or fewer of it. A test split reaches MIN_EVAL_CLASS_FACES per class at about 100.
 */
export const MIN_LABELLED_PER_CLASS = 30;
/** Labelled faces per class below which the label-error finder's cross-validated head is weak: many flagged labels are correct. */
export const LABEL_ERRORS_TRUSTED_PER_CLASS = 100;

export type Interval = { lo: number; hi: number };

/**
 * The Wilson score interval of k successes in n trials (95% by default). n = 0 gives [0, 1]:
 * nothing is known. Unlike the normal approximation it stays inside [0, 1] and is not zero-width
 * at 0% or 100%.
 */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (!(n > 0)) return { lo: 0, hi: 1 };
  if (!(k >= 0 && k <= n)) throw new Error(`wilson: ${k} successes out of ${n}`);
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/** k successes for a stored proportion of n (metrics are stored as ratios). */
export const successes = (ratio: number, n: number) => Math.round(ratio * n);

const pct1 = (x: number) => `${(100 * x).toFixed(1)}`;

/** "51.0–100.0%", the 95% interval of k out of n, for beside a percentage. */
export function formatInterval(k: number, n: number): string {
  const { lo, hi } = wilson(k, n);
  return `${pct1(lo)}–${pct1(hi)}%`;
}

/** The same from a stored ratio; '' when there is nothing to show. */
export function intervalOfRatio(ratio: number | null | undefined, n: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !n) return '';
  return formatInterval(successes(ratio, n), n);
}

/**
 * Why a set of n faces (with these faces per class) is too small to tell, in words; null when it
 * is large enough. Classes with no face at all are left out (an age-only evaluation set has none).
 */
export function tooSmallToTell(n: number, perClass: Record<string, number> = {}): string | null {
  const small = Object.entries(perClass).filter(([, c]) => c > 0 && c < MIN_EVAL_CLASS_FACES);
  if (n >= MIN_EVAL_FACES && small.length === 0) return null;
  const parts: string[] = [];
  if (n < MIN_EVAL_FACES) parts.push(`${n} face${n === 1 ? '' : 's'} (fewer than ${MIN_EVAL_FACES})`);
  if (small.length) parts.push(`${small.map(([c, k]) => `${k} ${c}`).join(', ')} (fewer than ${MIN_EVAL_CLASS_FACES} in a class)`);
  return `Too few faces to tell: ${parts.join('; ')}. One face more or less right moves these figures by ${n > 0 ? pct1(1 / n) : '100.0'} points; read the intervals, not the percentages.`;
}

/** Labelled faces still missing per class to reach `min` (classes at or above it left out). */
export function missingPerClass<C extends string>(perClass: Record<C, number>, min = MIN_LABELLED_PER_CLASS): { cls: C; have: number; missing: number }[] {
  return (Object.entries(perClass) as [C, number][]).filter(([, have]) => have < min).map(([cls, have]) => ({ cls, have, missing: min - have }));
}
