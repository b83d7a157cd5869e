/**
 * Server-side face detection: BlazeFace loaded from @vladmandic/human's model folder, run on packed RGB
 * bytes. The detection itself (anchors, tiling, non-max suppression) lives in the pure, browser-safe
 * `lib/ml/blazeface.ts`, which the live preview runs too.
 */
import type { GraphModel } from '@tensorflow/tfjs';
import type { Detection } from '../inference/preprocess';
import { DETECTOR_MODEL_FILE, detectInTensor, type DetectOptions } from '../inference/blazeface';
import { getTf, lazyAsync } from '../models/tf';
import { fileModelHandler, findModelFile } from '../models/model-io';

export { DETECTOR_INPUT_SIZE, planPasses, weightedNms, type DetectOptions } from '../inference/blazeface';

export interface RgbImage {
  /** Packed RGB bytes, row-major, 3 channels, length width * height * 3. */
  data: Uint8Array | Buffer;
  width: number;
  height: number;
}

/** BlazeFace, loaded once. */
export const loadDetector = lazyAsync(async (): Promise<GraphModel> => {
  const tf = await getTf();
  return tf.loadGraphModel(fileModelHandler(findModelFile(DETECTOR_MODEL_FILE)));
});

/**
 * Detects faces in an RGB image. Returns boxes in pixel coordinates of the image (clamped to it),
 * sorted left to right.
 */
export async function detectFaces(image: RgbImage, opts: DetectOptions = {}): Promise<Detection[]> {
  const { data, width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`detectFaces: invalid image size ${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new Error(`detectFaces: expected ${width * height * 3} RGB bytes for ${width}x${height}, got ${data.length}`);
  }
  const tf = await getTf();
  const model = await loadDetector();
  const img = tf.tensor3d(data instanceof Uint8Array ? data : new Uint8Array(data), [height, width, 3], 'int32');
  try {
    return await detectInTensor(tf, model, img, opts);
  } finally {
    img.dispose();
  }
}
