/**
 * Types shared by every layer that runs a model. Browser-safe: type-only TF.js import, no Node.
 */
import type * as TF from '@tensorflow/tfjs';

/** The TensorFlow.js module, passed in by the caller (the server's `getTf()`, the browser's global `tf`). */
export type Tf = typeof TF;

/** What the backbone says about one face crop. */
export interface FeatureVector {
  /** FEATURE_DIM global-pooled backbone features. */
  features: Float32Array;
  /** Expected age in years under the backbone's age softmax. */
  age: number;
  /** The backbone's probability that the face is male (0..1). */
  male: number;
}

/** A face's features and those of its mirror image (null when not computed). */
export interface FeaturePair {
  plain: FeatureVector;
  mirrored: FeatureVector | null;
  /** Augmented training views of the face (lib/features/views.ts), when training uses them; never at inference. */
  views?: FeatureVector[];
}
