/**
 * The one inference path from an image to per-face class probabilities, shared by the browser (live
 * preview, still images), the server (`POST /api/predict`, CLI `predict` / `evaluate`) and training:
 *
 *   RGB image tensor -> BlazeFace (`blazeface.ts`) -> `planSamples` (the training crop rule) ->
 *   crops resized to 224 (`describeBoxes`, which training's features go through too) -> faceres features + age
 *   -> `headInput` -> head softmax (`headProbs`), averaged with the mirrored crop (`mirrorAverage`) when the
 *   model's meta asks for mirror test-time augmentation -> `argmax`.
 *
 * Browser-safe (the lib/inference rule in docs/DEVELOPING.md): the caller passes its `tf` and the loaded
 * models. `headInput` is THE definition of the head's input; training builds its inputs with it.
 */
import type * as TF from '@tensorflow/tfjs';
import { detectInTensor, type DetectOptions } from './blazeface';
import { ageFromSoftmax, backboneKindOf, FACERES_DEEP_OUTPUT, FACERES_OUTPUTS, type FeatureBlock, GEAR_AGE_OUTPUT } from './backbone';
import type { ModelMeta } from './meta';
import { type Box, cropsToBackboneInput, planSamples, type SampleRule, toGearInput } from './preprocess';
import type { FeaturePair, FeatureVector, Tf } from './types';

/**
 * The head's input: the features L2-normalised (block by block when `layout` is given: each `l2` block on
 * its own, the others as they are, see `featureLayout`), then (if `useAge`) the age estimate in years / 100.
 * Without a layout the whole vector is one L2 block (the default faceres backbone).
 */
export function headInput(
  features: ArrayLike<number>,
  age: number | null,
  useAge: boolean,
  layout?: readonly FeatureBlock[],
): Float32Array {
  const blocks = layout ?? [{ name: 'features', dim: features.length, l2: true }];
  const total = blocks.reduce((n, b) => n + b.dim, 0);
  if (total !== features.length) throw new Error(`Feature vector has ${features.length} values, its layout ${total}`);
  const out = new Float32Array(features.length + (useAge ? 1 : 0));
  let start = 0;
  for (const b of blocks) {
    let inv = 1;
    if (b.l2) {
      let ss = 0;
      for (let i = start; i < start + b.dim; i++) ss += features[i] * features[i];
      inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    }
    for (let i = start; i < start + b.dim; i++) out[i] = features[i] * inv;
    start += b.dim;
  }
  if (useAge) out[features.length] = (age ?? 0) / 100;
  return out;
}

/** Index of the largest value (the first one on ties). */
export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/** Test-time augmentation: the mean of a crop's and its mirror image's class probabilities. */
export function mirrorAverage(plain: Float32Array, mirrored: ArrayLike<number>): Float32Array {
  return plain.map((v, c) => (v + mirrored[c]) / 2);
}

/** Whether a model's features need faceres-deep and gear besides faceres (the accurate backbone). */
export function needsExtraBackbones(meta: Pick<InferenceMeta, 'backboneKind'>): boolean {
  return backboneKindOf(meta) !== 'faceres';
}

/** A trained head and its meta.json (`runId`: the run it belongs to). */
export interface LoadedHead {
  model: TF.LayersModel;
  meta: ModelMeta;
  runId: string;
}

/** What inference reads from a model's meta. */
export type InferenceMeta = Pick<ModelMeta, 'runId' | 'classes' | 'backbone' | 'preprocessing'> & Partial<Pick<ModelMeta, 'backboneKind'>>;

/** The accurate backbone's extra models (meta `backboneKind: 'faceres+deep'`), run beside faceres. */
export interface ExtraBackbones {
  /** faceres-deep (relu6-fused or as shipped). */
  deep: TF.GraphModel;
  gear: TF.GraphModel;
}

export interface InferenceModels {
  detector: TF.GraphModel;
  /** faceres (relu6-fused or as shipped: same outputs). */
  faceres: TF.GraphModel;
  /** Required when the model's meta says `backboneKind: 'faceres+deep'`. */
  extra?: ExtraBackbones | null;
  head: TF.LayersModel;
  meta: InferenceMeta;
}

/** What classifying given boxes needs (no detector): the preview's classifier worker holds only these. */
export type ClassifierModels = Omit<InferenceModels, 'detector'>;

export interface FaceResult {
  /** Crop box in pixels of the image. */
  box: Box;
  /** True when the whole image was classified (no trusted face, or a tight face crop). */
  wholeImage: boolean;
  /** Detector score; null when no trusted face was found. */
  score: number | null;
  /** Probability per class name, in the model's class order. */
  probs: Record<string, number>;
  /** The most probable class and its probability. */
  label: string;
  confidence: number;
}

export interface ClassifyTimings {
  /** Milliseconds spent in face detection, in faceres + head (all crops), and in total. */
  detectMs: number;
  classifyMs: number;
  totalMs: number;
}

export interface ClassifyOptions {
  detect?: DetectOptions;
  rule?: Partial<SampleRule>;
  /** Filled with where the time went (for the preview's status line and benchmarks). */
  timings?: ClassifyTimings;
  /**
   * Average with the mirrored crops. Default: what the model's meta asks (`preprocessing.mirrorTta`); the
   * live camera may turn it off to double its frame rate.
   */
  mirror?: boolean;
}

/**
 * THE crop path from an image tensor to backbone features, shared by inference (`classifyImage`) and
 * training (`lib/features/cache.ts`, from the stored original photo and the face's stored box), so a head is
 * trained on exactly the features it sees at inference: `boxes` are cut out of the RGB image tensor
 * [h, w, 3] (not disposed) and resized to 224 (`cropsToBackboneInput`); with `mirror`, their mirror images
 * go through faceres in the same batch. With `extra` (the accurate backbone) the same batch also goes through
 * faceres-deep, and through gear (`toGearInput`), and each vector is faceres' features, faceres-deep's, then
 * gear's 7 age-bin probabilities (`featureLayout('faceres+deep')`); age and male stay faceres' estimates.
 * Returns the plain crops' features, and the mirrored ones (or null).
 */
export async function describeBoxes(
  tf: Tf,
  faceres: TF.GraphModel,
  image: TF.Tensor3D,
  boxes: readonly Box[],
  opts: { mirror: boolean; extra?: ExtraBackbones | null },
): Promise<{ plain: FeatureVector[]; mirrored: FeatureVector[] | null }> {
  const n = boxes.length;
  if (n === 0) return { plain: [], mirrored: opts.mirror ? [] : null };
  const input = cropsToBackboneInput(tf, image, boxes);
  const batch = opts.mirror ? (tf.tidy(() => tf.concat([input, tf.reverse(input, 2)], 0)) as TF.Tensor4D) : input;
  try {
    const all = await describeCrops(tf, faceres, batch, opts.extra);
    return { plain: all.slice(0, n), mirrored: opts.mirror ? all.slice(n) : null };
  } finally {
    if (batch !== input) batch.dispose();
    input.dispose();
  }
}

/**
 * The backbone part of `describeBoxes`: a prepared backbone input batch ([n, 224, 224, 3], 0..255, not
 * disposed) → one vector per row. Training's augmented views (lib/features/views.ts) transform the crops of
 * `cropsToBackboneInput` and come through here, so they are computed exactly like the plain crop.
 */
export async function describeCrops(tf: Tf, faceres: TF.GraphModel, batch: TF.Tensor4D, extra?: ExtraBackbones | null): Promise<FeatureVector[]> {
  let outs: TF.Tensor[] = [];
  try {
    outs = tf.tidy(() => faceres.execute(batch, [...FACERES_OUTPUTS]) as TF.Tensor[]);
    if (extra) {
      const { deep, gear } = extra;
      outs.push(tf.tidy(() => deep.execute(batch, FACERES_DEEP_OUTPUT) as TF.Tensor));
      outs.push(tf.tidy(() => gear.execute(toGearInput(tf, batch), GEAR_AGE_OUTPUT) as TF.Tensor));
    }
    const [feat, ageP, male, deepFeat, gearAge] = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
    const rows = batch.shape[0];
    const dim = feat.length / rows;
    const features = (i: number): Float32Array => {
      const own = feat.slice(i * dim, (i + 1) * dim);
      if (!deepFeat) return own;
      const dd = deepFeat.length / rows;
      const ga = gearAge.length / rows;
      const out = new Float32Array(dim + dd + ga);
      out.set(own);
      out.set(deepFeat.subarray(i * dd, (i + 1) * dd), dim);
      out.set(gearAge.subarray(i * ga, (i + 1) * ga), dim + dd);
      return out;
    };
    return Array.from({ length: rows }, (_, i) => ({
      features: features(i),
      age: ageFromSoftmax(ageP, i),
      male: male[i],
    }));
  } finally {
    tf.dispose(outs);
  }
}

/**
 * Softmax rows of a head for prepared inputs (rows of `dim` floats, from `headInput`); `classes` outputs per row.
 */
export async function headProbs(
  tf: Tf,
  head: TF.LayersModel,
  rows: readonly Float32Array[],
  dim: number,
  classes: number,
): Promise<Float32Array[]> {
  if (rows.length === 0) return [];
  const flat = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new Error(`Head input ${i} has ${r.length} values, the model expects ${dim}`);
    flat.set(r, i * dim);
  });
  const out = tf.tidy(() => head.predict(tf.tensor2d(flat, [rows.length, dim])) as TF.Tensor);
  const data = (await out.data()) as Float32Array;
  out.dispose();
  if (data.length !== rows.length * classes) {
    throw new Error(`The head outputs ${data.length / rows.length} classes, meta.json lists ${classes}`);
  }
  return rows.map((_, i) => data.slice(i * classes, (i + 1) * classes));
}

/**
 * Class probabilities of faces whose backbone features are already known (training's cached vectors): the
 * same head input, and the mirrored view averaged in when the model was trained for it.
 */
export async function classifyFeatures(
  tf: Tf,
  head: { model: TF.LayersModel; meta: InferenceMeta },
  pairs: readonly FeaturePair[],
): Promise<Float32Array[]> {
  const { useAge, mirrorTta, dim, layout } = head.meta.preprocessing;
  const k = head.meta.classes.length;
  const plain = await headProbs(tf, head.model, pairs.map((p) => headInput(p.plain.features, p.plain.age, useAge, layout)), dim, k);
  if (!mirrorTta) return plain;
  const withMirror = pairs.map((p, i) => (p.mirrored ? i : -1)).filter((i) => i >= 0);
  const mirrored = await headProbs(
    tf,
    head.model,
    withMirror.map((i) => headInput(pairs[i].mirrored!.features, pairs[i].mirrored!.age, useAge, layout)),
    dim,
    k,
  );
  withMirror.forEach((i, j) => {
    plain[i] = mirrorAverage(plain[i], mirrored[j]);
  });
  return plain;
}

/**
 * Classifies every face of an RGB image tensor [h, w, 3] (int 0..255 or float 0..255; not disposed).
 * One result per sample of the training crop rule, left to right (a lone tight face or no face: one
 * whole-image result).
 */
export async function classifyImage(
  tf: Tf,
  models: InferenceModels,
  image: TF.Tensor3D,
  opts: ClassifyOptions = {},
): Promise<FaceResult[]> {
  const [height, width] = image.shape;
  const t0 = performance.now();
  const detections = await detectInTensor(tf, models.detector, image, opts.detect);
  const t1 = performance.now();
  const plans = planSamples(width, height, detections, opts.rule);
  const probs = await classifyBoxes(tf, models, image, plans.map((p) => p.box), { mirror: opts.mirror });
  const classes = models.meta.classes;
  if (opts.timings) {
    const t2 = performance.now();
    Object.assign(opts.timings, { detectMs: t1 - t0, classifyMs: t2 - t1, totalMs: t2 - t0 });
  }
  return plans.map((p, i) => {
    const best = argmax(probs[i]);
    return {
      box: p.box,
      wholeImage: p.wholeImage,
      score: p.score,
      probs: Object.fromEntries(classes.map((c, k) => [c, probs[i][k]])),
      label: classes[best],
      confidence: probs[i][best],
    };
  });
}

/**
 * Class probabilities (in the model's class order) of given crop boxes of an RGB image tensor [h, w, 3] (not
 * disposed), through the same crop path and head input as `classifyImage`, without detection. The live preview
 * detects every frame itself (`detectInTensor` + `planSamples`) and classifies only the tracked faces that are
 * due (lib/inference/tracker.ts), in a Web Worker where it runs on WebAssembly (app/(app)/preview/inference-worker.ts).
 */
export async function classifyBoxes(
  tf: Tf,
  models: ClassifierModels,
  image: TF.Tensor3D,
  boxes: readonly Box[],
  opts: { mirror?: boolean } = {},
): Promise<Float32Array[]> {
  const n = boxes.length;
  if (n === 0) return [];
  // With mirror test-time augmentation the mirrored crops go through the backbone in the same batch.
  const mirror = opts.mirror ?? models.meta.preprocessing.mirrorTta;
  const extra = needsExtraBackbones(models.meta) ? models.extra : null;
  if (needsExtraBackbones(models.meta) && !extra) {
    throw new Error('This model uses the accurate backbone (faceres + faceres-deep + gear): load faceres-deep and gear too');
  }
  const described = await describeBoxes(tf, models.faceres, image, boxes, { mirror, extra });
  const { useAge, dim, layout } = models.meta.preprocessing;
  const rows = [...described.plain, ...(described.mirrored ?? [])].map((d) => headInput(d.features, d.age, useAge, layout));
  const probs = await headProbs(tf, models.head, rows, dim, models.meta.classes.length);
  return mirror ? probs.slice(0, n).map((p, i) => mirrorAverage(p, probs[n + i])) : probs;
}
