// Which unlabelled faces to label next, from the model's class probabilities: the orders the label desk offers,
// as pure functions, so `npm run bench -- active` simulates exactly what the desk does. "Least confident first"
// is the desk's `uncertain` order (lib/dataset/labels.ts: ascending Suggestion.confidence, the top class's
// probability, ties by face id): here ties go by position in the pool.

/** A face's confidence: its top class probability (what Suggestion.confidence stores). */
export function confidenceOf(p: ArrayLike<number>): number {
  let best = -Infinity;
  for (let i = 0; i < p.length; i++) if (p[i] > best) best = p[i];
  return best;
}

/**
 * The `k` faces the model is least sure of: indices into `probs` (only those in `candidates` when given), lowest
 * confidence first, ties by index.
 */
export function pickLeastConfident(probs: readonly ArrayLike<number>[], k: number, candidates?: readonly number[]): number[] {
  const pool = candidates ?? probs.map((_, i) => i);
  return pool
    .map((i) => ({ i, c: confidenceOf(probs[i]) }))
    .sort((a, b) => a.c - b.c || a.i - b.i)
    .slice(0, Math.max(0, k))
    .map((x) => x.i);
}
