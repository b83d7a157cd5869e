/**
 * Decoded photo -> face samples: detect -> planSamples -> crop (JPEG + pHash). Decoding is `decodeImage` in
 * lib/images (ingest decodes once for this and the derived images). No database and no file writes: ingest
 * persists the result.
 */
import type { Box, SampleRule } from '../inference/preprocess';
import { planSamples } from '../inference/preprocess';
import type { RgbImage } from '../images';
import type { DetectOptions } from '../inference/blazeface';
import { cropToJpeg, perceptualHash } from './crop';
import { detectFaces } from './detect';

export interface PhotoSample {
  /** Crop box in pixels of the EXIF-oriented photo. */
  box: Box;
  /** True when the sample is the whole photo (no trusted face found, e.g. a tight face crop). */
  wholeImage: boolean;
  /** Detector score, null for whole-image samples. */
  score: number | null;
  /** JPEG of the crop (at most CROP_JPEG_MAX_SIDE px a side). */
  cropJpeg: Buffer;
  /** 64-bit perceptual hash (16 hex chars) of the crop; compare with `hamming` (lib/dataset/group.ts). */
  phash: string;
}

export interface PhotoAnalysis {
  /** Size of the EXIF-oriented photo. */
  width: number;
  height: number;
  samples: PhotoSample[];
}

export interface AnalyseOptions {
  detect?: DetectOptions;
  rule?: Partial<SampleRule>;
}

/** The face samples of a decoded photo (`decodeImage` in lib/images). */
export async function analyseImage(image: RgbImage, opts: AnalyseOptions = {}): Promise<PhotoAnalysis> {
  const detections = await detectFaces(image, opts.detect);
  const plans = planSamples(image.width, image.height, detections, opts.rule);
  const samples = await Promise.all(
    plans.map(async (p) => {
      const [cropJpeg, phash] = await Promise.all([cropToJpeg(image, p.box), perceptualHash(image, p.box)]);
      return { ...p, cropJpeg, phash };
    }),
  );
  return { width: image.width, height: image.height, samples };
}
