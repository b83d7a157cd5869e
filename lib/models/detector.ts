/**
 * Loads the face detector (BlazeFace, shipped by @vladmandic/human) on the server, once. Running it is
 * `detectInTensor` in lib/inference/blazeface.ts, which the browser preview runs too.
 */
import type { GraphModel } from '@tensorflow/tfjs';
import { DETECTOR_MODEL_FILE } from '../inference/blazeface';
import { fileModelHandler, findModelFile } from './load-graph';
import { getTf, lazyAsync } from './tf';

/** BlazeFace, loaded once. */
export const loadDetector = lazyAsync(async (): Promise<GraphModel> => {
  const tf = await getTf();
  return tf.loadGraphModel(fileModelHandler(findModelFile(DETECTOR_MODEL_FILE)));
});
