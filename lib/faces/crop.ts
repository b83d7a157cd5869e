/**
 * Server-side image handling with sharp: decode (EXIF auto-orient) to raw RGB, crop boxes to JPEG (storage)
 * or to raw RGB at the backbone input size, and 64-bit perceptual hashes (pHash) for near-duplicate grouping.
 */
import sharp from 'sharp';
import type { Box } from '../inference/preprocess';
import { BACKBONE_INPUT_SIZE } from '../inference/preprocess';
import type { RgbImage } from './detect';

export type { RgbImage };

/** Stored crops are at most this many pixels on a side (never enlarged). */
export const CROP_JPEG_MAX_SIDE = 320;
export const CROP_JPEG_QUALITY = 90;

/**
 * Decodes an encoded image (JPEG, PNG, WebP, AVIF, GIF, TIFF, ...) into packed RGB bytes, applying the EXIF
 * orientation. Alpha is flattened onto white, greyscale/CMYK are converted to sRGB.
 */
export async function decodeImage(input: Buffer | Uint8Array): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(input)
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw new Error(`Cannot decode image: ${(err as Error).message}`);
  }
}

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

/**
 * Raw RGB bytes of a box of the image resized to size x size (default: backbone input, 224), the input
 * `embed()` takes. Non-square boxes (whole-image samples) are stretched, as in `toBackboneInput`.
 */
export async function cropToRgb(image: RgbImage, box: Box, size = BACKBONE_INPUT_SIZE): Promise<Uint8Array> {
  const data = await rawInput(image)
    .extract(checkBox(image, box))
    .resize(size, size, { fit: 'fill' })
    .raw()
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A stored crop (encoded, e.g. the JPEG from `cropToJpeg`) as backbone-input RGB bytes. */
export async function encodedToRgb(input: Buffer | Uint8Array, size = BACKBONE_INPUT_SIZE): Promise<Uint8Array> {
  const image = await decodeImage(input);
  return cropToRgb(image, { x: 0, y: 0, w: image.width, h: image.height }, size);
}

// ---------------------------------------------------------------------------------------------------------
// Perceptual hash (pHash): 32x32 greyscale -> 2D DCT -> 8x8 lowest frequencies (DC excluded from the
// median) -> 64 bits, bit set where the coefficient is above the median. Robust to re-encoding, resizing,
// small colour changes; Hamming distance <= ~10 means "same picture".

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

/** Number of differing bits between two hex hashes of equal length. */
export function hammingDistance(a: string, b: string): number {
  if (a.length !== b.length || !/^[0-9a-f]*$/i.test(a + b)) throw new Error(`hammingDistance: bad hashes ${a} / ${b}`);
  let x = BigInt('0x' + (a || '0')) ^ BigInt('0x' + (b || '0'));
  let n = 0;
  while (x > 0n) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}
