// Untrusted image bytes -> oriented RGB pixels, with the size and pixel limits enforced before
// any full decode. Every refusal is an ImageRejection whose message is shown to the user as is.
import sharp from 'sharp';
import { SUPPORTED_LABEL, sniff, type ImageFormat } from './sniff';

export class ImageRejection extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageRejection';
  }
}

export type Limits = { maxUploadBytes: number; maxPixels: number };

/**
 * Packed RGB bytes (row-major, 3 channels, length width * height * 3): the one decoded-image type. From
 * `decodeImage`: EXIF orientation applied, alpha flattened onto white, no metadata.
 */
export type RgbImage = { data: Uint8Array; width: number; height: number };

export type DecodedImage = { format: ImageFormat; width: number; height: number; rgb: RgbImage };

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
const mp = (n: number) => `${(n / 1e6).toFixed(1)} megapixels`;

export function checkSize(bytes: number, limits: Limits): void {
  if (bytes === 0) throw new ImageRejection('empty file (0 bytes)');
  if (bytes > limits.maxUploadBytes) throw new ImageRejection(`file is ${mb(bytes)}, over the ${mb(limits.maxUploadBytes)} limit`);
}

function checkPixels(width: number, height: number, limits: Limits): void {
  if (!(width > 0 && height > 0)) throw new ImageRejection('the image has no size');
  if (width * height > limits.maxPixels) {
    throw new ImageRejection(`image is ${width}×${height} (${mp(width * height)}), over the ${mp(limits.maxPixels)} limit`);
  }
}

/** Why sharp/libvips refused the bytes, in words a user understands. */
function explain(err: unknown, format: ImageFormat): string {
  const msg = (err as Error)?.message ?? String(err);
  if (/premature end|truncated|end of file|unexpected end|Read error|short read/i.test(msg)) {
    return `the ${format.toUpperCase()} file is truncated (incomplete download or copy?)`;
  }
  if (/pixel limit/i.test(msg)) return 'the image has too many pixels';
  return `the ${format.toUpperCase()} file is damaged and cannot be decoded (${msg.split('\n')[0].slice(0, 160)})`;
}

async function decodeHeic(buf: Buffer, limits: Limits): Promise<{ data: Buffer; width: number; height: number; channels: 4 }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- heic-decode ships no types or ESM; loaded only when a HEIC file arrives (its wasm decoder is large)
  const decode = require('heic-decode') as {
    all: (o: { buffer: Buffer }) => Promise<Array<{ width: number; height: number; decode: () => Promise<{ width: number; height: number; data: Uint8ClampedArray }> }> & { dispose: () => void }>;
  };
  let images;
  try {
    images = await decode.all({ buffer: buf });
  } catch (err) {
    throw new ImageRejection(`the HEIC file is damaged and cannot be decoded (${(err as Error).message ?? err})`);
  }
  try {
    const first = images[0];
    if (!first) throw new ImageRejection('the HEIC file holds no image');
    checkPixels(first.width, first.height, limits);
    const img = await first.decode();
    return { data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), width: img.width, height: img.height, channels: 4 };
  } finally {
    images.dispose();
  }
}

/**
 * Decodes an upload. Order of checks: size, format (by content), pixel count (from the header,
 * before decoding), then a full decode that refuses truncated or damaged files.
 */
export async function decodeImage(buf: Buffer, limits: Limits): Promise<DecodedImage> {
  checkSize(buf.length, limits);
  const s = sniff(buf);
  if (s.kind === 'zip') throw new ImageRejection('this is a zip archive, not an image');
  if (s.kind === 'unsupported') throw new ImageRejection(`${s.name} is not supported; use ${SUPPORTED_LABEL}`);
  if (s.kind === 'unknown') throw new ImageRejection(`not an image: ${s.hint}`);
  const format = s.format;
  let input: sharp.Sharp;
  if (format === 'heic') {
    const raw = await decodeHeic(buf, limits);
    input = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels }, limitInputPixels: limits.maxPixels });
  } else {
    let meta: sharp.Metadata;
    try {
      meta = await sharp(buf, { limitInputPixels: false }).metadata();
    } catch (err) {
      throw new ImageRejection(explain(err, format));
    }
    if (meta.format === 'heif' && format !== 'avif') throw new ImageRejection('unsupported HEIF variant');
    checkPixels(meta.width ?? 0, meta.height ?? 0, limits);
    // Animated WebP/AVIF: the first frame only (the default page).
    input = sharp(buf, { limitInputPixels: limits.maxPixels, failOn: 'warning' });
  }
  try {
    const { data, info } = await input
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { format, width: info.width, height: info.height, rgb: { data, width: info.width, height: info.height } };
  } catch (err) {
    throw new ImageRejection(explain(err, format));
  }
}
