// What a run measures beyond its test split's headline numbers: slices of the test split and
// every evaluation set (lib/dataset/eval-sets.ts), scored on what it labels. The train job
// calls these after training; the numbers go to the run's metrics JSON (`slices`, `evalSets`).
import type { Db } from '../db';
import { CLASSES, type ClassName, isClass, isMask, isOld } from '../classes';
import { type AttrLabel, isAttrLabel } from '../dataset/eval-sets';
import { argmax } from '../inference/classify';
import { computeSlices, genderOf, sizeBucket, type SliceAttrs, type SliceRow, type Slices } from './slices';

const chunks = <T>(xs: readonly T[], n = 500): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

/**
 * Each face's slice values: apparent gender (the backbone's male probability, cached with the
 * features: `male(id)`), age group × gender (age from the class, or an evaluation face's
 * young/old attribute), source, import batch, uploader, face size and crop kind.
 */
export async function sliceAttributes(db: Db, faceIds: readonly string[], male: (faceId: string) => number | null | undefined): Promise<Map<string, SliceAttrs>> {
  const out = new Map<string, SliceAttrs>();
  for (const ids of chunks(faceIds)) {
    const rows = await db.face.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        label: true,
        attrLabel: true,
        w: true,
        h: true,
        wholeImage: true,
        photo: { select: { source: true, batch: true, uploader: { select: { email: true } } } },
      },
    });
    for (const r of rows) {
      const gender = genderOf(male(r.id));
      const age = isClass(r.label) ? (isOld(CLASSES.indexOf(r.label)) ? 'old' : 'young') : r.attrLabel === 'old' || r.attrLabel === 'young' ? r.attrLabel : null;
      out.set(r.id, {
        gender,
        ageGender: age && gender ? `${age} ${gender}` : null,
        source: r.photo.source,
        batch: r.photo.batch,
        uploader: r.photo.uploader.email,
        size: sizeBucket(Math.max(r.w, r.h)),
        crop: r.wholeImage ? 'whole image' : 'detected face',
      });
    }
  }
  return out;
}

/** Slices of the test split, from its per-face predictions (class indices). */
export function testSlices(predictions: readonly { faceId: string; t: number; p: number }[], attrs: Map<string, SliceAttrs>): Slices {
  return computeSlices(
    predictions.map((x) => ({ faceId: x.faceId, y: x.t, pred: x.p, attrs: attrs.get(x.faceId) ?? {} })),
    CLASSES,
  );
}

export type EvalFace = { id: string; label: ClassName | null; attrLabel: AttrLabel | null };
export type EvalSetFaces = { id: string; name: string; faces: EvalFace[] };

/** Every evaluation set with its scorable faces (a class label or an attribute). */
export async function loadEvalSets(db: Db): Promise<EvalSetFaces[]> {
  const sets = await db.evalSet.findMany({ orderBy: { name: 'asc' }, select: { id: true, name: true } });
  const out: EvalSetFaces[] = [];
  for (const s of sets) {
    const rows = await db.face.findMany({
      where: { photo: { evalSetId: s.id }, OR: [{ label: { in: [...CLASSES] } }, { attrLabel: { not: null } }] },
      select: { id: true, label: true, attrLabel: true },
      orderBy: { id: 'asc' },
    });
    const faces = rows.flatMap((r): EvalFace[] =>
      isClass(r.label) ? [{ id: r.id, label: r.label, attrLabel: null }] : isAttrLabel(r.attrLabel) ? [{ id: r.id, label: null, attrLabel: r.attrLabel }] : [],
    );
    if (faces.length) out.push({ id: s.id, name: s.name, faces });
  }
  return out;
}

/** What an evaluation set's slices are computed on: the 4 classes, or one attribute. */
export type EvalKind = 'class' | 'age' | 'mask';
export const EVAL_KIND_CLASSES: Record<EvalKind, readonly string[]> = { class: CLASSES, age: ['old', 'young'], mask: ['mask', 'nomask'] };

export type EvalSetMetrics = {
  n: number;
  kind: EvalKind;
  /** Each face scored on what it is labelled with (a class exactly, or its one attribute). */
  accuracy: number;
  /** 4-class accuracy over the fully labelled faces (null: none). */
  classAccuracy: number | null;
  /** Over the faces whose mask (resp. age) is known (null: none). */
  maskAccuracy: number | null;
  ageAccuracy: number | null;
  counts: { class: number; age: number; mask: number };
  slices: Slices;
  predictions: { faceId: string; label: string; predicted: ClassName; confidence: number; correct: boolean }[];
};

const hasAge = (f: EvalFace) => f.label !== null || f.attrLabel === 'old' || f.attrLabel === 'young';
const hasMask = (f: EvalFace) => f.label !== null || f.attrLabel === 'mask' || f.attrLabel === 'nomask';
const ratio = (ok: number, n: number) => (n ? ok / n : null);

/** An evaluation set's scores from the model's class probabilities per face (same order). */
export function scoreEvalSet(faces: readonly EvalFace[], probs: readonly ArrayLike<number>[], attrs: Map<string, SliceAttrs>): EvalSetMetrics {
  if (faces.length !== probs.length) throw new Error(`eval set: ${faces.length} faces but ${probs.length} predictions`);
  const kind: EvalKind = faces.every((f) => f.label) ? 'class' : faces.every(hasAge) ? 'age' : faces.every(hasMask) ? 'mask' : faces.some((f) => f.attrLabel === 'old' || f.attrLabel === 'young') ? 'age' : 'mask';
  let ok = 0;
  const c = { class: [0, 0], age: [0, 0], mask: [0, 0] };
  const predictions: EvalSetMetrics['predictions'] = [];
  const rows: SliceRow[] = [];
  faces.forEach((f, i) => {
    const p = probs[i];
    const pred = argmax(p);
    const predOld = p[0] + p[2] > 0.5;
    const predMask = p[0] + p[1] > 0.5;
    const t = f.label ? CLASSES.indexOf(f.label) : -1;
    const trueOld = f.label ? isOld(t) : f.attrLabel === 'old' ? true : f.attrLabel === 'young' ? false : null;
    const trueMask = f.label ? isMask(t) : f.attrLabel === 'mask' ? true : f.attrLabel === 'nomask' ? false : null;
    if (f.label) {
      c.class[1]++;
      if (pred === t) c.class[0]++;
    }
    if (trueOld !== null) {
      c.age[1]++;
      if (predOld === trueOld) c.age[0]++;
    }
    if (trueMask !== null) {
      c.mask[1]++;
      if (predMask === trueMask) c.mask[0]++;
    }
    const correct = f.label ? pred === t : trueOld !== null ? predOld === trueOld : predMask === trueMask;
    if (correct) ok++;
    predictions.push({ faceId: f.id, label: f.label ?? f.attrLabel!, predicted: CLASSES[pred], confidence: p[pred], correct });
    const a = attrs.get(f.id) ?? {};
    if (kind === 'class') rows.push({ faceId: f.id, y: t, pred, attrs: a });
    else if (kind === 'age' && trueOld !== null) rows.push({ faceId: f.id, y: trueOld ? 0 : 1, pred: predOld ? 0 : 1, attrs: a });
    else if (kind === 'mask' && trueMask !== null) rows.push({ faceId: f.id, y: trueMask ? 0 : 1, pred: predMask ? 0 : 1, attrs: a });
  });
  return {
    n: faces.length,
    kind,
    accuracy: faces.length ? ok / faces.length : 0,
    classAccuracy: ratio(c.class[0], c.class[1]),
    maskAccuracy: ratio(c.mask[0], c.mask[1]),
    ageAccuracy: ratio(c.age[0], c.age[1]),
    counts: { class: c.class[1], age: c.age[1], mask: c.mask[1] },
    slices: computeSlices(rows, EVAL_KIND_CLASSES[kind]),
    predictions,
  };
}

export type EvalComparison = { name: string; accuracy: number; promotedAccuracy: number };

/** The sets on which this run scores lower than the promoted model did on the same faces. */
export function evalDrops(rows: readonly EvalComparison[]): EvalComparison[] {
  return rows.filter((r) => r.accuracy < r.promotedAccuracy - 1e-9);
}

/**
 * The promotion rule: promote when the new head's test macro-F1 beats the promoted one's on the same
 * test split; with `requireNoEvalDrop` (setting promotion.requireNoEvalDrop) also not lower on any
 * evaluation set.
 */
export function promotionDecision(d: { macroF1: number; promotedMacroF1: number; evalSets: readonly EvalComparison[]; requireNoEvalDrop: boolean }): { promoted: boolean; reason: string } {
  const f = (x: number) => x.toFixed(3);
  if (!(d.macroF1 > d.promotedMacroF1)) return { promoted: false, reason: `test macro-F1 ${f(d.macroF1)} does not beat the promoted model's ${f(d.promotedMacroF1)}` };
  const reason = `test macro-F1 ${f(d.macroF1)} beats the promoted model's ${f(d.promotedMacroF1)} on the same test split`;
  const drops = d.requireNoEvalDrop ? evalDrops(d.evalSets) : [];
  if (drops.length) {
    const list = drops.map((x) => `"${x.name}" (${(100 * x.accuracy).toFixed(1)}% < ${(100 * x.promotedAccuracy).toFixed(1)}%)`).join(', ');
    return { promoted: false, reason: `${reason}, but it scores lower than the promoted model on evaluation set ${list}; promotion requires no drop on evaluation sets` };
  }
  return { promoted: true, reason };
}
