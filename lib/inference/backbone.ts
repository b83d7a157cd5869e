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
