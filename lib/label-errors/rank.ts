// Label-error ranking (confident-learning style), pure: out-of-fold class probabilities in,
// faces ranked by how strongly the model disagrees with the label they were given.
// The job that produces the probabilities is lib/label-errors/job.ts.
import { NUM_CLASSES } from '../classes';

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
