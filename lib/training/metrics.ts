// Classification metrics for the 4-class head: accuracy, per-class precision / recall /
// F1 / support, macro and weighted averages, the confusion matrix (rows = true class,
// columns = predicted), and the two binary questions the classes encode: mask (sum of the
// two mask probabilities > ½) and age (sum of the two "old" probabilities > ½).
import { CLASSES, type ClassName, isMask, isOld } from '../classes';
import { argmax } from '../inference/classify';

export type ClassMetrics = { precision: number; recall: number; f1: number; support: number };
export type Misclassified = { faceId: string; trueLabel: ClassName; predicted: ClassName; confidence: number };
export type Metrics = {
  n: number;
  accuracy: number;
  perClass: Record<ClassName, ClassMetrics>;
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
  /** confusion[true][predicted], in CLASSES order. */
  confusion: number[][];
  maskAccuracy: number;
  ageAccuracy: number;
  misclassified: Misclassified[];
  /** Every sample's prediction (when ids were given): opens a confusion-matrix cell's faces. */
  predictions?: { faceId: string; t: number; p: number; confidence: number }[];
};

const div = (a: number, b: number) => (b === 0 ? 0 : a / b);

/**
 * @param yTrue true class index per sample
 * @param probs class probabilities per sample (CLASSES order)
 * @param ids optional sample ids (face ids) for the misclassified list
 */
export function computeMetrics(yTrue: readonly number[], probs: readonly ArrayLike<number>[], ids?: readonly string[]): Metrics {
  if (yTrue.length !== probs.length) throw new Error(`metrics: ${yTrue.length} labels but ${probs.length} predictions`);
  const k = CLASSES.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  let maskOk = 0;
  let ageOk = 0;
  const misclassified: Misclassified[] = [];
  const predictions: NonNullable<Metrics['predictions']> = [];
  yTrue.forEach((t, i) => {
    if (!(t >= 0 && t < k)) throw new Error(`metrics: label ${t} out of range`);
    const p = probs[i];
    const pred = argmax(p);
    confusion[t][pred]++;
    if (ids) predictions.push({ faceId: ids[i], t, p: pred, confidence: p[pred] });
    if (pred === t) correct++;
    else if (ids) misclassified.push({ faceId: ids[i], trueLabel: CLASSES[t], predicted: CLASSES[pred], confidence: p[pred] });
    const pMask = p[0] + p[1];
    const pOld = p[0] + p[2];
    if (pMask > 0.5 === isMask(t)) maskOk++;
    if (pOld > 0.5 === isOld(t)) ageOk++;
  });
  const n = yTrue.length;
  const perClass = {} as Record<ClassName, ClassMetrics>;
  const macro = { precision: 0, recall: 0, f1: 0 };
  const weighted = { precision: 0, recall: 0, f1: 0 };
  CLASSES.forEach((c, j) => {
    const tp = confusion[j][j];
    const support = confusion[j].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[j], 0);
    const precision = div(tp, predicted);
    const recall = div(tp, support);
    const f1 = div(2 * precision * recall, precision + recall);
    perClass[c] = { precision, recall, f1, support };
    macro.precision += precision / k;
    macro.recall += recall / k;
    macro.f1 += f1 / k;
    weighted.precision += div(precision * support, n);
    weighted.recall += div(recall * support, n);
    weighted.f1 += div(f1 * support, n);
  });
  misclassified.sort((a, b) => b.confidence - a.confidence);
  return {
    n,
    accuracy: div(correct, n),
    perClass,
    macro,
    weighted,
    confusion,
    maskAccuracy: div(maskOk, n),
    ageAccuracy: div(ageOk, n),
    misclassified,
    ...(ids ? { predictions } : {}),
  };
}

/**
 * The 95% Wilson score interval of a proportion k / n (`z` 1.96): better than the normal approximation for small
 * n and for proportions near 0 or 1. n = 0 gives the whole range [0, 1].
 */
export function wilson(k: number, n: number, z = 1.96): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
