/**
 * A face box drawn by hand → its sample: the project's crop rule (`faceCropBox`: square, the rule's
 * margin, inside the photo) applied to the box, then the same crop JPEG and pHash as detected faces get
 * (`analyseImage`), so hand-drawn and detected crops look alike to the model.
 */
import type { RgbImage } from '../images';
import { type Box, faceCropBox, SAMPLE_RULE } from '../inference/preprocess';
import { cropToJpeg, perceptualHash } from './crop';
import type { PhotoSample } from './pipeline';

/** The crop box the rule cuts for a face box. */
export function cropBoxOf(face: Box, width: number, height: number): Box {
  return faceCropBox(face, width, height, SAMPLE_RULE.margin);
}

/**
 * The face box a stored crop box stands for (the inverse of `cropBoxOf` where the crop was not shifted
 * or shrunk to fit the photo): what the box editor shows and edits.
 */
export function faceBoxOf(crop: Box, width: number, height: number): Box {
  const scale = 1 + 2 * SAMPLE_RULE.margin;
  const w = Math.max(1, Math.round(crop.w / scale));
  const h = Math.max(1, Math.round(crop.h / scale));
  const x = Math.min(Math.max(0, Math.round(crop.x + (crop.w - w) / 2)), Math.max(0, width - w));
  const y = Math.min(Math.max(0, Math.round(crop.y + (crop.h - h) / 2)), Math.max(0, height - h));
  return { x, y, w, h };
}

/** The sample of a face box on a decoded photo: crop box, crop JPEG and pHash (no detector score). */
export async function sampleOfBox(image: RgbImage, face: Box): Promise<PhotoSample> {
  const box = cropBoxOf(face, image.width, image.height);
  const [cropJpeg, phash] = await Promise.all([cropToJpeg(image, box), perceptualHash(image, box)]);
  return { box, wholeImage: false, score: null, cropJpeg, phash };
}
