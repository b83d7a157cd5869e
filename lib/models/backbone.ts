/**
 * Frozen face backbone: faceres (HSE FaceRes, shipped by @vladmandic/human), loaded once with the relu6
 * fusion rewrite. Gives a 1024-d feature vector per face crop plus the model's own age and gender outputs.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { GraphModel, Tensor, Tensor4D } from '@tensorflow/tfjs';
import { getTf, lazyAsync } from './tf';
import { fileModelHandler, findModelFile, fuseRelu6 } from './model-io';
import { BACKBONE_INPUT_SIZE, PREPROCESS_VERSION, toBackboneInput } from '../inference/preprocess';
import { ageFromSoftmax, FACERES_MODEL_FILE, FACERES_OUTPUTS } from '../inference/classify';

/** sha256 of faceres.bin in @vladmandic/human 3.3.6; features are only comparable for the same weights. */
const FACERES_WEIGHTS_SHA256 = '2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b';

/**
 * Identifies the feature space: backbone weights + preprocessing. Store it with every feature vector and
 * recompute features when it changes.
 */
export const BACKBONE_ID = `faceres-${FACERES_WEIGHTS_SHA256.slice(0, 8)}-p${PREPROCESS_VERSION}`;
export const FEATURE_DIM = 1024;


export interface FaceDescription {
  /** 1024-d global-pooled backbone features. */
  features: Float32Array;
  /** Expected age in years under the model's 100-bin age softmax. */
  age: number;
  /** Model's probability that the face is male (0..1). */
  male: number;
}

export interface EmbedOptions {
  /** Describe the horizontally mirrored crops (augmentation). */
  mirror?: boolean;
  /** Crops per model call. Default 8. */
  batchSize?: number;
}

const loadFused = lazyAsync(async (): Promise<GraphModel> => {
  const tf = await getTf();
  const jsonPath = findModelFile(FACERES_MODEL_FILE);
  const bin = await fs.readFile(jsonPath.replace(/\.json$/, '.bin'));
  const sha = createHash('sha256').update(bin).digest('hex');
  if (sha !== FACERES_WEIGHTS_SHA256) {
    throw new Error(
      `faceres.bin (${jsonPath}) has sha256 ${sha}, expected ${FACERES_WEIGHTS_SHA256}. ` +
        'The backbone weights changed (new @vladmandic/human?): update FACERES_WEIGHTS_SHA256 in ' +
        'lib/ml/backbone.ts, which changes BACKBONE_ID, and recompute stored features.',
    );
  }
  return tf.loadGraphModel(fileModelHandler(jsonPath, (a) => fuseRelu6(a).artifacts));
});

/**
 * faceres with the relu6 fusion, loaded once. `fuse: false` loads a fresh copy of the graph as shipped
 * (slower on wasm; tests compare the two).
 */
export async function loadFaceres(opts: { fuse?: boolean } = {}): Promise<GraphModel> {
  if (opts.fuse !== false) return loadFused();
  const tf = await getTf();
  return tf.loadGraphModel(fileModelHandler(findModelFile(FACERES_MODEL_FILE)));
}

/** Runs a faceres model on a prepared input batch; returns [features, age softmax, male] tensors. */
export function runFaceres(graph: GraphModel, input: Tensor4D): Tensor[] {
  return graph.execute(input, [...FACERES_OUTPUTS]) as Tensor[];
}

/**
 * Describes face crops given as RGB bytes of BACKBONE_INPUT_SIZE x BACKBONE_INPUT_SIZE (e.g. from
 * `cropToRgb`). Deterministic for a given backend.
 */
export async function describe(rgbCrops: readonly Uint8Array[], opts: EmbedOptions = {}): Promise<FaceDescription[]> {
  const expected = BACKBONE_INPUT_SIZE * BACKBONE_INPUT_SIZE * 3;
  rgbCrops.forEach((c, i) => {
    if (c.length !== expected) {
      throw new Error(`Crop ${i} has ${c.length} bytes, expected ${expected} (${BACKBONE_INPUT_SIZE}x${BACKBONE_INPUT_SIZE} RGB)`);
    }
  });
  const tf = await getTf();
  const graph = await loadFaceres();
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  const out: FaceDescription[] = [];
  for (let start = 0; start < rgbCrops.length; start += batchSize) {
    const batch = rgbCrops.slice(start, start + batchSize);
    const n = batch.length;
    const flat = new Uint8Array(n * expected);
    batch.forEach((c, i) => flat.set(c, i * expected));
    const [featT, ageT, maleT] = tf.tidy(() => {
      let pixels = tf.tensor4d(flat, [n, BACKBONE_INPUT_SIZE, BACKBONE_INPUT_SIZE, 3], 'int32');
      if (opts.mirror) pixels = tf.reverse(pixels, 2);
      return runFaceres(graph, toBackboneInput(tf, pixels));
    });
    const [feat, ageP, male] = (await Promise.all([featT.data(), ageT.data(), maleT.data()])) as Float32Array[];
    tf.dispose([featT, ageT, maleT]);
    for (let i = 0; i < n; i++) {
      out.push({ features: feat.slice(i * FEATURE_DIM, (i + 1) * FEATURE_DIM), age: ageFromSoftmax(ageP, i), male: male[i] });
    }
  }
  return out;
}

/** 1024-d features of each crop. */
export async function embed(rgbCrops: readonly Uint8Array[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
  return (await describe(rgbCrops, opts)).map((d) => d.features);
}

/** 1024-d features of each crop mirrored left-right (test-time / training augmentation). */
export async function embedMirrored(rgbCrops: readonly Uint8Array[]): Promise<Float32Array[]> {
  return embed(rgbCrops, { mirror: true });
}
