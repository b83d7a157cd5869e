import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hamming as hammingDistance } from '../../lib/dataset/group';
import { CROP_JPEG_MAX_SIDE, cropToJpeg, perceptualHash, phashFromGrey32 } from '../../lib/faces/crop';
import { decodeImage as decodeUpload } from '../../lib/images';
import { faceFixtures, read, SCENES } from './fixtures';

const T = { timeout: 60_000 };
/** The upload decoder every path uses (ingest, predict, training features). */
const decodeImage = async (bytes: Buffer) => (await decodeUpload(bytes, { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 })).rgb;

describe('decodeImage', () => {
  it('gives packed RGB for greyscale JPEGs', async () => {
    const grey = faceFixtures().find((f) => f.file.endsWith('cdeb_1_0_fanwei_0006.jpg'))!;
    expect((await sharp(read(grey.file)).metadata()).channels).toBe(1);
    const img = await decodeImage(read(grey.file));
    expect([img.width, img.height]).toEqual([159, 124]);
    expect(img.data.length).toBe(159 * 124 * 3);
  });

  it('applies the EXIF orientation', async () => {
    const rotated = await sharp(read(SCENES[0].path)).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const img = await decodeImage(rotated);
    expect([img.width, img.height]).toEqual([418, 640]);
  });

  it('flattens alpha and rejects non-images clearly', async () => {
    const png = await sharp({ create: { width: 4, height: 3, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const img = await decodeImage(png);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([255, 255, 255]);
    await expect(decodeImage(Buffer.from('not an image'))).rejects.toThrow(/not an image/);
  });
});

describe('crops', () => {
  it('crops to a JPEG no larger than the storage size', T, async () => {
    const img = await decodeImage(read(SCENES[1].path));
    const small = await sharp(await cropToJpeg(img, { x: 10, y: 20, w: 120, h: 120 })).metadata();
    expect([small.format, small.width, small.height]).toEqual(['jpeg', 120, 120]);
    const whole = await sharp(await cropToJpeg(img, { x: 0, y: 0, w: img.width, h: img.height })).metadata();
    expect(Math.max(whole.width!, whole.height!)).toBe(CROP_JPEG_MAX_SIDE);
  });

  it('refuses boxes outside the image', T, async () => {
    const img = await decodeImage(read(SCENES[1].path));
    await expect(cropToJpeg(img, { x: 600, y: 0, w: 100, h: 100 })).rejects.toThrow(/outside/);
  });
});

describe('perceptual hash', () => {
  it('is 64 bits of hex', () => {
    expect(phashFromGrey32(new Uint8Array(1024).map((_, i) => (i * 7) % 256))).toMatch(/^[0-9a-f]{16}$/);
    expect(hammingDistance('ffff0000ffff0000', 'ffff0000ffff0000')).toBe(0);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('0000000000000001', '0000000000000003')).toBe(1);
  });

  it('survives re-encoding and resizing, and tells different faces apart', T, async () => {
    const files = faceFixtures().map((f) => f.file);
    const hashes = await Promise.all(files.map((f) => perceptualHash(read(f))));
    const copies = await Promise.all(
      files.map(async (f) => perceptualHash(await sharp(read(f)).resize({ width: 80 }).jpeg({ quality: 50 }).toBuffer())),
    );
    const same = hashes.map((h, i) => hammingDistance(h, copies[i]));
    expect(Math.max(...same)).toBeLessThanOrEqual(8);
    let closestOther = 64;
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) closestOther = Math.min(closestOther, hammingDistance(hashes[i], hashes[j]));
    }
    expect(closestOther).toBeGreaterThanOrEqual(12);
  });

  it('hashes a box of a decoded image like the same crop stored as JPEG', T, async () => {
    const img = await decodeImage(read(SCENES[2].path));
    const box = { x: 50, y: 60, w: 130, h: 130 };
    const direct = await perceptualHash(img, box);
    const viaJpeg = await perceptualHash(await cropToJpeg(img, box));
    expect(hammingDistance(direct, viaJpeg)).toBeLessThanOrEqual(4);
  });
});
