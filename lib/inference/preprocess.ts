/**
 * The sample rule (which face crops a photo yields) and the backbone input normalisation.
 *
 * Browser-safe like all of lib/inference: no fs, no sharp, no Node imports, no TF import (callers pass their
 * `tf`), so the browser (live preview) and the server (ingest, training) share one definition.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from './types';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A detector result: face box in pixels of the image it was found in, and its confidence (0..1). */
export interface Detection extends Box {
  score: number;
}

export interface PlannedSample {
  /** Crop box in integer pixels, inside the image. */
  box: Box;
  /** True when the sample is the whole image: no trusted face found, or the image is already a face crop. */
  wholeImage: boolean;
  /** Detector score of the face; null when no trusted face was found. */
  score: number | null;
}

export interface SampleRule {
  /** Minimum detector score for a detection to become a face crop. */
  minScore: number;
  /** Minimum face box side as a fraction of the image's longer side. */
  minFaceFraction: number;
  /** Minimum face box side in pixels. */
  minFacePx: number;
  /** Margin added on every side of the face box, as a fraction of its longer side. */
  margin: number;
  /**
   * A lone trusted face whose margin box is at least this fraction of the image's shorter side means the
   * image is already a face crop: it becomes one whole-image sample (keeping the detector score).
   */
  tightCropFraction: number;
}

/**
 * Defaults, measured on 414 single-face crops (facemask-dev + facemask-extra) and the 3 scene fixtures:
 * - blazeface scores below ~0.65 on a tight crop are mostly shifted duplicates or misplaced boxes, while
 *   the faces in the scene photos score 0.72-0.97;
 * - the only confident box on a tight crop that was not the face was a 17 px face printed on a mask, and
 *   boxes under ~6% of the long side are below what the 256 px detector resolves; faces in group photos are
 *   far smaller than "10% of the image area" (3-7% in the scene fixtures), so size is gated per side;
 * - a 20% margin per side (1.4x the box) is the face context @vladmandic/human feeds faceres;
 * - on the face crops (where 96% of trusted faces have a margin box >= 0.7 of the short side), whole-image
 *   features classified the 4 classes better than margin crops (5-fold CV, logistic regression: balanced
 *   accuracy 0.92-0.93 vs 0.88), and treating them all alike keeps the crop style from differing between
 *   masked faces (often missed by the detector) and unmasked ones.
 */
export const SAMPLE_RULE: Readonly<SampleRule> = Object.freeze({
  minScore: 0.65,
  minFaceFraction: 0.04,
  minFacePx: 20,
  margin: 0.2,
  tightCropFraction: 0.7,
});

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** The whole image as a box. */
export function wholeImageBox(width: number, height: number): Box {
  return { x: 0, y: 0, w: width, h: height };
}

/**
 * Square crop box around a face: the face's longer side plus `margin` on each side, centred on the face,
 * shrunk to fit if larger than the image, then shifted (not cut) to lie inside the image. Integer pixels.
 */
export function faceCropBox(face: Box, width: number, height: number, margin = SAMPLE_RULE.margin): Box {
  const side = Math.max(1, Math.min(Math.round(Math.max(face.w, face.h) * (1 + 2 * margin)), width, height));
  const cx = face.x + face.w / 2;
  const cy = face.y + face.h / 2;
  const x = clamp(Math.round(cx - side / 2), 0, width - side);
  const y = clamp(Math.round(cy - side / 2), 0, height - side);
  return { x, y, w: side, h: side };
}

/** Whether a detection is trusted enough to become a face crop. */
export function passesFaceGate(det: Detection, width: number, height: number, rule: SampleRule = SAMPLE_RULE): boolean {
  const side = Math.max(det.w, det.h);
  return det.score >= rule.minScore && side >= rule.minFacePx && side >= rule.minFaceFraction * Math.max(width, height);
}

/**
 * One sample per trusted face (square crop with margin), left to right. One whole-image sample when no
 * detection passes the gate (no face, or a tight face crop the detector misses), or when the only trusted
 * face fills the image (an already tight face crop, see `tightCropFraction`).
 */
export function planSamples(
  width: number,
  height: number,
  detections: readonly Detection[],
  rule: Partial<SampleRule> = {},
): PlannedSample[] {
  if (!(width >= 1 && height >= 1)) throw new Error(`planSamples: invalid image size ${width}x${height}`);
  const r: SampleRule = { ...SAMPLE_RULE, ...rule };
  const faces = detections
    .filter((d) => passesFaceGate(d, width, height, r))
    .sort((a, b) => a.x + a.w / 2 - (b.x + b.w / 2));
  if (faces.length === 0) return [{ box: wholeImageBox(width, height), wholeImage: true, score: null }];
  if (faces.length === 1) {
    const marginSide = Math.max(faces[0].w, faces[0].h) * (1 + 2 * r.margin);
    if (marginSide >= r.tightCropFraction * Math.min(width, height)) {
      return [{ box: wholeImageBox(width, height), wholeImage: true, score: faces[0].score }];
    }
  }
  return faces.map((d) => ({ box: faceCropBox(d, width, height, r.margin), wholeImage: false, score: d.score }));
}

// ---------------------------------------------------------------------------------------------------------
// Backbone input (faceres: HSE FaceRes, MobileNet-style, from @vladmandic/human).

/** Side of the square backbone input. */
export const BACKBONE_INPUT_SIZE = 224;
/**
 * faceres takes RGB as float 0..255 (human's faceres.ts: face crop in 0..1, resized, times 255), so the
 * normalisation is `pixel * SCALE + OFFSET` with these values.
 */
export const BACKBONE_PIXEL_SCALE = 1;
export const BACKBONE_PIXEL_OFFSET = 0;
/** Bump when the sample rule or the normalisation changes (it is part of the backbone id). */
export const PREPROCESS_VERSION = 1;

/**
 * RGB crop pixels (int or float 0..255, [h, w, 3] or [n, h, w, 3]) -> backbone input [n, 224, 224, 3] float32.
 * Crops that are not already 224x224 are resized bilinearly (non-square crops are stretched).
 */
export function toBackboneInput(tf: Tf, pixels: TF.Tensor3D | TF.Tensor4D): TF.Tensor4D {
  return tf.tidy(() => {
    const batch = (pixels.rank === 3 ? tf.expandDims(pixels, 0) : pixels) as TF.Tensor4D;
    if (batch.shape[3] !== 3) throw new Error(`toBackboneInput: expected 3 channels, got shape ${batch.shape}`);
    let x = tf.cast(batch, 'float32') as TF.Tensor4D;
    if (batch.shape[1] !== BACKBONE_INPUT_SIZE || batch.shape[2] !== BACKBONE_INPUT_SIZE) {
      x = tf.image.resizeBilinear(x, [BACKBONE_INPUT_SIZE, BACKBONE_INPUT_SIZE], false, true);
    }
    if (BACKBONE_PIXEL_SCALE !== 1) x = tf.mul(x, BACKBONE_PIXEL_SCALE);
    if (BACKBONE_PIXEL_OFFSET !== 0) x = tf.add(x, BACKBONE_PIXEL_OFFSET);
    return x;
  });
}

/**
 * Crops `boxes` out of a full RGB image tensor [h, w, 3] and returns the backbone input batch
 * (for callers holding the whole image as a tensor, e.g. the browser preview).
 */
export function cropsToBackboneInput(tf: Tf, image: TF.Tensor3D, boxes: readonly Box[]): TF.Tensor4D {
  return tf.tidy(() => {
    const crops = boxes.map((b) => {
      const crop = tf.slice(image, [Math.round(b.y), Math.round(b.x), 0], [Math.round(b.h), Math.round(b.w), 3]);
      return toBackboneInput(tf, crop as TF.Tensor3D);
    });
    if (crops.length === 0) return tf.zeros([0, BACKBONE_INPUT_SIZE, BACKBONE_INPUT_SIZE, 3]) as TF.Tensor4D;
    return tf.concat(crops, 0);
  });
}

// ---------------------------------------------------------------------------------------------------------
// gear's input (the accurate backbone's age bins; see lib/inference/backbone.ts).

/** Side of gear's square input. */
export const GEAR_INPUT_SIZE = 198;
/** [top, left, bottom, right] of the face crop that gear sees (human's gear.ts default box). */
export const GEAR_CROP_BOX = [0, 0.1, 0.9, 0.9] as const;

/**
 * Backbone input batch ([n, 224, 224, 3], 0..255: the face crops as faceres sees them) -> gear input
 * [n, 198, 198, 3] in 0..1: each crop cut to GEAR_CROP_BOX and resized bilinearly, as human's gear.ts does
 * with its face tensor. The box is left-right symmetric, so a mirrored crop gives the mirrored gear input.
 */
export function toGearInput(tf: Tf, backboneInput: TF.Tensor4D): TF.Tensor4D {
  return tf.tidy(() => {
    const n = backboneInput.shape[0];
    if (n === 0) return tf.zeros([0, GEAR_INPUT_SIZE, GEAR_INPUT_SIZE, 3]) as TF.Tensor4D;
    const boxes = tf.tensor2d(Array.from({ length: n }, () => [...GEAR_CROP_BOX]), [n, 4]);
    const idx = tf.tensor1d(Array.from({ length: n }, (_, i) => i), 'int32');
    const scaled = tf.div(backboneInput, 255) as TF.Tensor4D;
    return tf.image.cropAndResize(scaled, boxes, idx, [GEAR_INPUT_SIZE, GEAR_INPUT_SIZE], 'bilinear');
  });
}
