/**
 * Multi-face detection with MediaPipe BlazeFace (the 256x256 "back camera" model shipped by
 * @vladmandic/human), ported from human's src/face/blazeface.ts + facemeshutil.ts, with these changes:
 * - many faces (weighted non-max suppression, `maxFaces` default 32) instead of human's one;
 * - the image is zero-padded to a square before resizing, so faces keep their aspect ratio;
 * - large photos without a close-up face are also scanned in overlapping tiles, for small faces in groups;
 * - boxes are returned as the detector's raw face box (no enlargement) in pixels of the input image.
 *
 * Browser-safe like all of lib/inference: the caller passes its `tf` and the loaded model, so
 * the server (`lib/faces/detect.ts`, ingest and the predict API) and the browser (live preview) run the
 * very same detection code.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Box, Detection } from './preprocess';
import type { Tf } from './types';

export interface DetectOptions {
  /** Minimum detector confidence (0..1) of a returned face. Default 0.5. */
  minScore?: number;
  /** Most faces returned (highest scores kept). Default 32. */
  maxFaces?: number;
  /** Overlap (IoU) above which two candidate boxes are merged into one face. Default 0.3. */
  iouThreshold?: number;
  /**
   * A candidate whose box lies this much (intersection / its own area, or the other's if smaller) inside a
   * better-scoring face is dropped as a duplicate. Default 0.3. BlazeFace often adds shifted or smaller
   * boxes on the same face (IoU 0.2-0.3 but 40-100% contained, measured on 414 face crops).
   */
  containThreshold?: number;
  /**
   * Pyramid depth for small faces in large images (group photos): level n scans n x n overlapping tiles
   * (see `planPasses`). 1 = whole image only. Default 3 (at most 1 + 4 + 9 detector runs).
   */
  tileLevels?: number;
  /**
   * Which of the tiles to scan this time (default: all). The live preview scans the whole image and one tile
   * per frame, in turn, so small faces are found every few frames at a fraction of the cost.
   */
  pickTiles?: (tiles: Pass[]) => Pass[];
}

export const DETECTOR_INPUT_SIZE = 256;

/**
 * The live preview's scan of one frame: the whole image, and when `tile` is given, the 2x2 grid's tile number
 * `tile` (modulo the tiles there are) too, so small faces are found every few frames at a fraction of the cost.
 */
export function liveScan(tile: number | null): DetectOptions {
  return { tileLevels: tile === null ? 1 : 2, pickTiles: (tiles) => (tile !== null && tiles.length ? [tiles[tile % tiles.length]] : []) };
}

/** File name of the detector in @vladmandic/human's model folder. */
export const DETECTOR_MODEL_FILE = 'blazeface.json';
export const DETECT_DEFAULTS: Readonly<Required<Omit<DetectOptions, 'pickTiles'>>> = Object.freeze({
  minScore: 0.5,
  maxFaces: 32,
  iouThreshold: 0.3,
  containThreshold: 0.3,
  tileLevels: 3,
});

/** Anchor centres in detector-input pixels: 16x16 grid x 2 anchors, then 8x8 grid x 6 anchors (896). */
function generateAnchors(inputSize: number): Float32Array {
  const spec = [
    { stride: inputSize / 16, count: 2 },
    { stride: inputSize / 8, count: 6 },
  ];
  const out: number[] = [];
  for (const { stride, count } of spec) {
    const grid = Math.ceil(inputSize / stride);
    for (let gy = 0; gy < grid; gy++) {
      for (let gx = 0; gx < grid; gx++) {
        for (let n = 0; n < count; n++) out.push(stride * (gx + 0.5), stride * (gy + 0.5));
      }
    }
  }
  return Float32Array.from(out);
}

function overlap(a: Box, b: Box): { iou: number; contained: number } {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const areaA = a.w * a.h;
  const areaB = b.w * b.h;
  return {
    iou: inter > 0 ? inter / (areaA + areaB - inter) : 0,
    contained: inter > 0 ? inter / Math.min(areaA, areaB) : 0,
  };
}

/**
 * Weighted non-max suppression (as in MediaPipe): candidates overlapping the best remaining one by more
 * than `iouThreshold` are merged into it, box coordinates averaged by score, the cluster keeping the best
 * score; candidates otherwise more than `containThreshold` inside it (or containing it) are dropped.
 */
export function weightedNms(
  candidates: readonly Detection[],
  iouThreshold: number,
  containThreshold: number,
  maxFaces: number,
): Detection[] {
  let rest = [...candidates].sort((a, b) => b.score - a.score);
  const out: Detection[] = [];
  while (rest.length > 0 && out.length < maxFaces) {
    const best = rest[0];
    const cluster: Detection[] = [];
    const next: Detection[] = [];
    for (const c of rest) {
      const o = overlap(best, c);
      if (o.iou > iouThreshold) cluster.push(c);
      else if (o.contained <= containThreshold) next.push(c);
    }
    const total = cluster.reduce((s, c) => s + c.score, 0);
    const avg = (k: keyof Box) => cluster.reduce((s, c) => s + c[k] * c.score, 0) / total;
    out.push({ x: avg('x'), y: avg('y'), w: avg('w'), h: avg('h'), score: best.score });
    rest = next;
  }
  return out;
}

/** A square region (may extend past the image; zero-padded) the detector runs on, and its largest face. */
export interface Pass {
  x: number;
  y: number;
  side: number;
  maxFace: number;
}

/** Tiles of level n cover 1.2/n of each image side (20% overlap) ... */
const TILE_OVERLAP = 1.2;
/** ... are used while their long side is at least this many detector inputs (no point upsampling) ... */
const TILE_MIN_SIDE = 1.5 * DETECTOR_INPUT_SIZE;
/** ... and contribute only faces up to this fraction of the tile (larger ones come from coarser levels). */
const TILE_MAX_FACE = 0.25;

/**
 * A face larger than this fraction of the long side makes the photo a close-up or portrait: no tiles (in
 * high-resolution close-ups tiles find "faces" in hair and in pictures on the wall).
 */
const CLOSE_UP_FACE = 0.25;

/**
 * Level 1 is the whole image. Level n (2..maxLevel) is an n x n grid of overlapping tiles, which sees small
 * faces (group photos) at n/1.2 times the resolution; BlazeFace needs a face of roughly 40 px of its 256 px
 * input. Small images (tight face crops) get no tiles, so face parts are never taken for faces there.
 */
export function planPasses(width: number, height: number, maxLevel: number): Pass[] {
  const passes: Pass[] = [{ x: 0, y: 0, side: Math.max(width, height), maxFace: Infinity }];
  for (let n = 2; n <= maxLevel; n++) {
    const tw = Math.min(width, Math.ceil((width * TILE_OVERLAP) / n));
    const th = Math.min(height, Math.ceil((height * TILE_OVERLAP) / n));
    const side = Math.max(tw, th);
    if (side < TILE_MIN_SIDE) break;
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const x = Math.round((i * (width - tw)) / (n - 1));
        const y = Math.round((j * (height - th)) / (n - 1));
        passes.push({ x, y, side, maxFace: TILE_MAX_FACE * side });
      }
    }
  }
  return passes;
}

let anchorCache: Float32Array | null = null;
function getAnchors(): Float32Array {
  anchorCache ??= generateAnchors(DETECTOR_INPUT_SIZE);
  return anchorCache;
}

/** Runs BlazeFace on every pass of an RGB image tensor [h, w, 3]; returns candidates in image pixels. */
async function runPasses(tf: Tf, model: TF.GraphModel, image: TF.Tensor3D, passes: Pass[], minScore: number): Promise<Detection[]> {
  const [height, width] = image.shape;
  const size = DETECTOR_INPUT_SIZE;
  // Crop + zero-pad + resize every pass in one op, normalised to [-1, 1] as BlazeFace expects.
  const inputs = tf.tidy(() => {
    const img = tf.expandDims(tf.cast(image, 'float32'), 0) as TF.Tensor4D;
    const boxes = passes.map((p) => [
      p.y / Math.max(1, height - 1),
      p.x / Math.max(1, width - 1),
      (p.y + p.side - 1) / Math.max(1, height - 1),
      (p.x + p.side - 1) / Math.max(1, width - 1),
    ]);
    const crops = tf.image.cropAndResize(img, boxes, new Array(passes.length).fill(0), [size, size], 'bilinear', 0);
    return tf.sub(tf.div(crops, 127.5), 1);
  });
  const anchors = getAnchors();
  const out: Detection[] = [];
  try {
    for (let p = 0; p < passes.length; p++) {
      const raw = tf.tidy(() => {
        const outputs = model.execute(tf.slice(inputs, [p, 0, 0, 0], [1, -1, -1, -1])) as TF.Tensor[];
        // Four outputs: scores and regressors for the 512 stride-16 anchors and the 384 stride-32 anchors.
        const bySize = [...outputs].sort((a, b) => a.size - b.size); // [384x1, 512x1, 384x16, 512x16]
        const coarse = tf.concat([bySize[0], bySize[2]], 2);
        const fine = tf.concat([bySize[1], bySize[3]], 2);
        return tf.concat([fine, coarse], 1).squeeze([0]); // [896, 17]: logit, cx, cy, w, h, 6 keypoints
      });
      const values = (await raw.data()) as Float32Array;
      raw.dispose();
      const pass = passes[p];
      const scale = pass.side / size;
      for (let i = 0; i < values.length / 17; i++) {
        const logit = Math.max(-100, Math.min(100, values[i * 17]));
        const score = 1 / (1 + Math.exp(-logit));
        if (score < minScore) continue;
        const cx = values[i * 17 + 1] + anchors[2 * i];
        const cy = values[i * 17 + 2] + anchors[2 * i + 1];
        const w = values[i * 17 + 3];
        const h = values[i * 17 + 4];
        if (!(w > 0 && h > 0) || Math.max(w, h) * scale > pass.maxFace) continue;
        out.push({ x: pass.x + (cx - w / 2) * scale, y: pass.y + (cy - h / 2) * scale, w: w * scale, h: h * scale, score });
      }
    }
  } finally {
    inputs.dispose();
  }
  return out;
}

function clampDetection(d: Detection, width: number, height: number): Detection | null {
  const x0 = Math.max(0, d.x);
  const y0 = Math.max(0, d.y);
  const x1 = Math.min(width, d.x + d.w);
  const y1 = Math.min(height, d.y + d.h);
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0, score: d.score };
}

/**
 * Detects faces in an RGB image tensor [h, w, 3] (int 0..255 or float; not disposed). Returns boxes in pixel
 * coordinates of the image (clamped to it), sorted left to right.
 */
export async function detectInTensor(
  tf: Tf,
  model: TF.GraphModel,
  image: TF.Tensor3D,
  opts: DetectOptions = {},
): Promise<Detection[]> {
  const { minScore, maxFaces, iouThreshold, containThreshold, tileLevels } = { ...DETECT_DEFAULTS, ...opts };
  const [height, width, channels] = image.shape;
  if (!(width >= 1 && height >= 1) || channels !== 3) throw new Error(`detectFaces: expected an RGB image, got shape ${image.shape}`);
  const [whole, ...all] = planPasses(width, height, tileLevels);
  const tiles = opts.pickTiles ? opts.pickTiles(all) : all;
  const candidates = await runPasses(tf, model, image, [whole], minScore);
  const long = Math.max(width, height);
  const closeUp = candidates.some((c) => Math.max(c.w, c.h) > CLOSE_UP_FACE * long);
  if (tiles.length > 0 && !closeUp) candidates.push(...(await runPasses(tf, model, image, tiles, minScore)));
  return weightedNms(candidates, iouThreshold, containThreshold, maxFaces)
    .map((d) => clampDetection(d, width, height))
    .filter((d): d is Detection => d !== null)
    .sort((a, b) => a.x - b.x);
}
