// One camera frame's detection and classification on a given TF.js: what the preview's workers
// (./inference-worker.ts) and, on WebGL, the page itself (./live-models.ts) run, through lib/inference's one path.
import type * as TF from '@tensorflow/tfjs';
import { detectInTensor, liveScan } from '@/lib/inference/blazeface';
import { type ClassifierModels, classifyBoxes } from '@/lib/inference/classify';
import type { Box, Detection } from '@/lib/inference/preprocess';
import type { Tf } from '@/lib/inference/types';

/** Runs `fn` on a frame's pixels (a bitmap is closed), timed. */
async function onPixels<T>(tf: Tf, frame: ImageBitmap | ImageData, fn: (image: TF.Tensor3D) => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const image = tf.browser.fromPixels(frame) as TF.Tensor3D;
  if ('close' in frame) frame.close();
  try {
    return { value: await fn(image), ms: performance.now() - t0 };
  } finally {
    image.dispose();
  }
}

/** The faces in a frame's pixels, the whole frame and, when `tile` is given, that 2x2 tile too (`liveScan`). */
export async function detectFrame(tf: Tf, detector: TF.GraphModel, pixels: ImageData, tile: number | null): Promise<{ detections: Detection[]; ms: number }> {
  const { value, ms } = await onPixels(tf, pixels, (image) => detectInTensor(tf, detector, image, liveScan(tile)));
  return { detections: value, ms };
}

/** Class probabilities (model class order) of boxes of a frame (closed), and the run whose head answered. */
export async function classifyFrame(
  tf: Tf,
  models: ClassifierModels,
  frame: ImageBitmap,
  boxes: readonly Box[],
  mirror: boolean,
): Promise<{ probs: Float32Array[]; runId: string; ms: number }> {
  const { value, ms } = await onPixels(tf, frame, (image) => classifyBoxes(tf, models, image, boxes, { mirror }));
  return { probs: value, runId: models.meta.runId ?? '', ms };
}
