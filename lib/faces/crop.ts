/**
 * Server-side crop handling with sharp: crop boxes of a decoded image to JPEG (storage), and 64-bit perceptual
 * hashes (pHash) for near-duplicate grouping.
 */
import sharp from 'sharp';
import type { RgbImage } from '../images';
import type { Box } from '../inference/preprocess';

/** Stored crops are at most this many pixels on a side (never enlarged). */
export const CROP_JPEG_MAX_SIDE = 320;
const CROP_JPEG_QUALITY = 90;

function checkBox(image: RgbImage, box: Box): { left: number; top: number; width: number; height: number } {
  const region = { left: Math.round(box.x), top: Math.round(box.y), width: Math.round(box.w), height: Math.round(box.h) };
  if (region.left < 0 || region.top < 0 || region.width < 1 || region.height < 1 ||
      region.left + region.width > image.width || region.top + region.height > image.height) {
    throw new Error(`Crop box ${JSON.stringify(box)} is outside the ${image.width}x${image.height} image`);
  }
  return region;
}

function rawInput(image: RgbImage): sharp.Sharp {
  if (image.data.length !== image.width * image.height * 3) {
    throw new Error(`Expected ${image.width * image.height * 3} RGB bytes for ${image.width}x${image.height}, got ${image.data.length}`);
  }
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

/** JPEG of a box of the image, at most CROP_JPEG_MAX_SIDE px on a side. */
export async function cropToJpeg(
  image: RgbImage,
  box: Box,
  opts: { maxSide?: number; quality?: number } = {},
): Promise<Buffer> {
  const maxSide = opts.maxSide ?? CROP_JPEG_MAX_SIDE;
  return rawInput(image)
    .extract(checkBox(image, box))
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: opts.quality ?? CROP_JPEG_QUALITY, mozjpeg: false })
    .toBuffer();
}

// ---------------------------------------------------------------------------------------------------------
// Perceptual hash (pHash): 32x32 greyscale -> 2D DCT -> 8x8 lowest frequencies (DC excluded from the
// median) -> 64 bits, bit set where the coefficient is above the median. Robust to re-encoding, resizing,
// small colour changes; Hamming distance (`hamming` in lib/dataset/group.ts) <= ~10 means "same picture".

const HASH_N = 32;
const HASH_K = 8;
let dctTable: Float64Array | null = null;

function dctMatrix(): Float64Array {
  if (dctTable) return dctTable;
  const m = new Float64Array(HASH_K * HASH_N);
  for (let k = 0; k < HASH_K; k++) {
    for (let n = 0; n < HASH_N; n++) m[k * HASH_N + n] = Math.cos(((2 * n + 1) * k * Math.PI) / (2 * HASH_N));
  }
  dctTable = m;
  return m;
}

/** 64-bit pHash (16 hex chars) of 32x32 greyscale pixels. Pure; exported for tests. */
export function phashFromGrey32(grey: Uint8Array): string {
  if (grey.length !== HASH_N * HASH_N) throw new Error(`phash expects ${HASH_N * HASH_N} grey pixels`);
  const c = dctMatrix();
  // rows: tmp[y][k] = sum_x grey[y][x] c[k][x]; then coeff[j][k] = sum_y c[j][y] tmp[y][k]
  const tmp = new Float64Array(HASH_N * HASH_K);
  for (let y = 0; y < HASH_N; y++) {
    for (let k = 0; k < HASH_K; k++) {
      let s = 0;
      for (let x = 0; x < HASH_N; x++) s += grey[y * HASH_N + x] * c[k * HASH_N + x];
      tmp[y * HASH_K + k] = s;
    }
  }
  const coeff = new Float64Array(HASH_K * HASH_K);
  for (let j = 0; j < HASH_K; j++) {
    for (let k = 0; k < HASH_K; k++) {
      let s = 0;
      for (let y = 0; y < HASH_N; y++) s += c[j * HASH_N + y] * tmp[y * HASH_K + k];
      coeff[j * HASH_K + k] = s;
    }
  }
  const sorted = Array.from(coeff.subarray(1)).sort((a, b) => a - b);
  const median = (sorted[31] + sorted[32]) / 2;
  let bits = 0n;
  for (let i = 0; i < 64; i++) bits = (bits << 1n) | (coeff[i] > median ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

/** pHash of a box of a decoded image, or of a whole encoded image (e.g. a stored crop JPEG). */
export async function perceptualHash(input: RgbImage | Buffer | Uint8Array, box?: Box): Promise<string> {
  let pipeline: sharp.Sharp;
  if (input instanceof Uint8Array) {
    if (box) throw new Error('perceptualHash: a box needs a decoded RgbImage');
    pipeline = sharp(input).rotate();
  } else {
    pipeline = rawInput(input);
    if (box) pipeline = pipeline.extract(checkBox(input, box));
  }
  const grey = await pipeline.resize(HASH_N, HASH_N, { fit: 'fill' }).greyscale().raw().toBuffer();
  return phashFromGrey32(new Uint8Array(grey.buffer, grey.byteOffset, grey.byteLength));
}
