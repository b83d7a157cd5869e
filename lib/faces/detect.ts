/**
 * Server-side face detection on packed RGB bytes. The detection itself (anchors, tiling, non-max suppression)
 * is `detectInTensor` in the browser-safe lib/inference/blazeface.ts, which the live preview runs too; the
 * detector is loaded by lib/models/detector.ts.
 */
import type { RgbImage } from '../images';
import { detectInTensor, type DetectOptions } from '../inference/blazeface';
import type { Detection } from '../inference/preprocess';
import { loadDetector } from '../models/detector';
import { getTf, rgbTensor } from '../models/tf';

/**
 * Detects faces in an RGB image. Returns boxes in pixel coordinates of the image (clamped to it),
 * sorted left to right.
 */
export async function detectFaces(image: RgbImage, opts: DetectOptions = {}): Promise<Detection[]> {
  const tf = await getTf();
  const model = await loadDetector();
  const img = rgbTensor(tf, image);
  try {
    return await detectInTensor(tf, model, img, opts);
  } finally {
    img.dispose();
  }
}
