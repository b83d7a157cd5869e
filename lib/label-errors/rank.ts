// Label-error ranking (confident-learning style), pure: out-of-fold class probabilities in,
// faces ranked by how strongly the model disagrees with the label they were given.
// The job that produces the probabilities is lib/label-errors/job.ts.
import { CLASSES, NUM_CLASSES } from '../classes';
import { prng, shuffleInPlace } from '../dataset/split';

/** A face counts as an open suspected label error from this score (1 − p(given label)) up. */
export const SUSPECT_SCORE = 0.5;

export type OutOfFold = { faceId: string; label: number; probs: ArrayLike<number> };
export type RankedError = {
  faceId: string;
  label: number;
  /** The most probable class other than the given one. */
  suggested: number;
  /** 1 − p(given label): 0 the model agrees fully, 1 it is sure the label is wrong. */
  score: number;
  /** p(suggested) − p(given): > 0 when the model prefers another class. */
  margin: number;
};

/** Scores one face: 1 − p(given), and the best other class with its margin over the given one. */
export function scoreLabel(label: number, probs: ArrayLike<number>): Omit<RankedError, 'faceId' | 'label'> {
  if (probs.length !== NUM_CLASSES) throw new Error(`expected ${NUM_CLASSES} probabilities, got ${probs.length}`);
  if (!(label >= 0 && label < NUM_CLASSES)) throw new Error(`label index ${label} out of range`);
  let suggested = -1;
  for (let c = 0; c < probs.length; c++) if (c !== label && (suggested < 0 || probs[c] > probs[suggested])) suggested = c;
  return { suggested, score: 1 - probs[label], margin: probs[suggested] - probs[label] };
}

/** Faces ranked most suspicious first: by score, then by margin, then by id (stable for equal inputs). */
export function rankLabelErrors(items: readonly OutOfFold[]): RankedError[] {
  return items
    .map((it) => ({ faceId: it.faceId, label: it.label, ...scoreLabel(it.label, it.probs) }))
    .sort((a, b) => b.score - a.score || b.margin - a.margin || (a.faceId < b.faceId ? -1 : a.faceId > b.faceId ? 1 : 0));
}

/**
 * Stratified k folds of indices, seeded: each class's indices shuffled and dealt round-robin, so
 * every fold holds about 1/k of every class. `labels[i]` is a class index.
 */
export function stratifiedFolds(labels: readonly number[], k: number, seed: number): number[][] {
  const folds: number[][] = Array.from({ length: k }, () => []);
  const rand = prng(seed);
  let next = 0; // continue dealing where the previous class stopped, so fold sizes stay even
  for (let c = 0; c < CLASSES.length; c++) {
    const idx = shuffleInPlace(
      labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0),
      rand,
    );
    for (const i of idx) folds[next++ % k].push(i);
  }
  return folds;
}
