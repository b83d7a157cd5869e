/**
 * The one inference path from an image to per-face class probabilities, shared by the browser (live
 * preview, still images) and the server (`POST /api/predict`):
 *
 *   RGB image tensor -> BlazeFace (`blazeface.ts`) -> `planSamples` (the training crop rule) ->
 *   crops resized to 224 (`describeBoxes`, which training's features go through too) -> faceres features + age -> `headInput` -> head softmax
 *   (averaged with the mirrored crop when the model's meta asks for mirror test-time augmentation).
 *
 * PURE and environment-agnostic: the caller passes its `tf` and the three loaded models. `headInput` is
 * THE definition of the head's input; training must build its inputs with it.
 */
import type * as TF from '@tensorflow/tfjs';
import { detectInTensor, type DetectOptions } from './blazeface';
import { type Box, cropsToBackboneInput, planSamples, type SampleRule } from './preprocess';

type Tf = typeof TF;

/** File name of the backbone in @vladmandic/human's model folder. */
export const FACERES_MODEL_FILE = 'faceres.json';
/** faceres outputs used: 1024-d global pooling features, 100-bin age softmax, male probability. */
export const FACERES_OUTPUTS = ['global_pooling/Mean', 'age_pred/Softmax', 'gender_pred/Sigmoid'] as const;
export const AGE_BINS = 100;

/** Expected age in years under faceres' age softmax (row `i` of a [n, 100] array). */
export function ageFromSoftmax(ageP: ArrayLike<number>, i = 0): number {
  let age = 0;
  for (let a = 0; a < AGE_BINS; a++) age += a * ageP[i * AGE_BINS + a];
  return age;
}

/**
 * What inference needs from a model's meta.json (the registry writes more). `classes` are in the order of
 * the head's softmax outputs.
 */
export interface HeadMeta {
  runId: string;
  classes: readonly string[];
  /** BACKBONE_ID of the features the head was trained on. */
  backbone: string;
  preprocessing: {
    /** Features are L2-normalised (always true). */
    l2: true;
    /** The backbone's age estimate / 100 is appended to the features. */
    useAge: boolean;
    /** Probabilities are averaged over the crop and its mirror image. */
    mirrorTta: boolean;
    /** Head input length: feature dim + (useAge ? 1 : 0). */
    dim: number;
  };
}

/** The head's input: L2-normalised features, then (if `useAge`) the age estimate in years / 100. */
export function headInput(features: ArrayLike<number>, age: number | null, useAge: boolean): Float32Array {
  let ss = 0;
  for (let i = 0; i < features.length; i++) ss += features[i] * features[i];
  const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
  const out = new Float32Array(features.length + (useAge ? 1 : 0));
  for (let i = 0; i < features.length; i++) out[i] = features[i] * inv;
  if (useAge) out[features.length] = (age ?? 0) / 100;
  return out;
}

export interface InferenceModels {
  detector: TF.GraphModel;
  /** faceres (relu6-fused or as shipped: same outputs). */
  faceres: TF.GraphModel;
  head: TF.LayersModel;
  meta: HeadMeta;
}

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

/** What the backbone says about one crop: 1024-d features, expected age (years), male probability. */
export interface CropFeatures {
  features: Float32Array;
  age: number;
  male: number;
}

/**
 * THE crop path from an image tensor to backbone features, shared by inference (`classifyImage`) and
 * training (`lib/ml/features.ts`, from the stored original photo and the face's stored box), so a head is
 * trained on exactly the features it sees at inference: `boxes` are cut out of the RGB image tensor
 * [h, w, 3] (not disposed) and resized to 224 (`cropsToBackboneInput`); with `mirror`, their mirror images
 * go through faceres in the same batch. Returns the plain crops' features, and the mirrored ones (or null).
 */
export async function describeBoxes(
  tf: Tf,
  faceres: TF.GraphModel,
  image: TF.Tensor3D,
  boxes: readonly Box[],
  opts: { mirror: boolean },
): Promise<{ plain: CropFeatures[]; mirrored: CropFeatures[] | null }> {
  const n = boxes.length;
  if (n === 0) return { plain: [], mirrored: opts.mirror ? [] : null };
  const input = cropsToBackboneInput(tf, image, boxes);
  const batch = opts.mirror ? (tf.tidy(() => tf.concat([input, tf.reverse(input, 2)], 0)) as TF.Tensor4D) : input;
  let outs: TF.Tensor[] = [];
  try {
    outs = tf.tidy(() => faceres.execute(batch, [...FACERES_OUTPUTS]) as TF.Tensor[]);
    const [feat, ageP, male] = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
    const rows = batch.shape[0];
    const dim = feat.length / rows;
    const all = Array.from({ length: rows }, (_, i) => ({
      features: feat.slice(i * dim, (i + 1) * dim),
      age: ageFromSoftmax(ageP, i),
      male: male[i],
    }));
    return { plain: all.slice(0, n), mirrored: opts.mirror ? all.slice(n) : null };
  } finally {
    tf.dispose(outs);
    if (batch !== input) batch.dispose();
    input.dispose();
  }
}

/** Softmax rows of the head for prepared inputs. */
async function headProbs(tf: Tf, models: InferenceModels, rows: Float32Array[]): Promise<Float32Array[]> {
  const dim = models.meta.preprocessing.dim;
  const flat = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new Error(`Head input has ${r.length} values, the model expects ${dim}`);
    flat.set(r, i * dim);
  });
  const out = tf.tidy(() => models.head.predict(tf.tensor2d(flat, [rows.length, dim])) as TF.Tensor);
  const data = (await out.data()) as Float32Array;
  out.dispose();
  const k = models.meta.classes.length;
  if (data.length !== rows.length * k) throw new Error(`The head outputs ${data.length / rows.length} classes, meta.json lists ${k}`);
  return rows.map((_, i) => data.slice(i * k, (i + 1) * k));
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
  const n = plans.length;
  const mirror = opts.mirror ?? models.meta.preprocessing.mirrorTta;
  // With mirror test-time augmentation the mirrored crops go through the backbone in the same batch.
  const described = await describeBoxes(tf, models.faceres, image, plans.map((p) => p.box), { mirror });
  const { useAge } = models.meta.preprocessing;
  const rows = [...described.plain, ...(described.mirrored ?? [])].map((d) => headInput(d.features, d.age, useAge));
  let probs = await headProbs(tf, models, rows);
  if (mirror) probs = probs.slice(0, n).map((p, i) => p.map((v, c) => (v + probs[n + i][c]) / 2));
  if (opts.timings) {
    const t2 = performance.now();
    Object.assign(opts.timings, { detectMs: t1 - t0, classifyMs: t2 - t1, totalMs: t2 - t0 });
  }
  const classes = models.meta.classes;
  return plans.map((p, i) => {
    let best = 0;
    for (let c = 1; c < classes.length; c++) if (probs[i][c] > probs[i][best]) best = c;
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
