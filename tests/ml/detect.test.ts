import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { detectFaces } from '../../lib/faces/detect';
import { analyseImage } from '../../lib/faces/pipeline';
import { decodeImage as decodeUpload } from '../../lib/images';
import { DETECTOR_INPUT_SIZE, liveScan, planPasses, weightedNms } from '../../lib/inference/blazeface';
import { planSamples } from '../../lib/inference/preprocess';
import { iou } from '../../lib/inference/tracker';
import { faceFixtures, read, SCENES } from './fixtures';

const T = { timeout: 120_000 };
/** The upload decoder, as ingest runs it before `analyseImage`. */
const decodeImage = async (bytes: Buffer) => (await decodeUpload(bytes, { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 })).rgb;
const analysePhoto = async (bytes: Buffer) => analyseImage(await decodeImage(bytes));

describe('weightedNms', () => {
  const d = (x: number, y: number, side: number, score: number) => ({ x, y, w: side, h: side, score });

  it('merges overlapping boxes, drops contained ones, keeps separate faces', () => {
    const out = weightedNms(
      [d(0, 0, 100, 0.9), d(10, 0, 100, 0.9), d(20, 40, 50, 0.7), d(300, 0, 100, 0.8)],
      0.3,
      0.3,
      32,
    );
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual({ x: 5, y: 0, w: 100, h: 100, score: 0.9 });
    expect(out[1].x).toBe(300);
  });

  it('returns up to maxFaces faces', () => {
    const many = Array.from({ length: 40 }, (_, i) => d((i % 8) * 120, Math.floor(i / 8) * 120, 100, 0.5 + i / 100));
    expect(weightedNms(many, 0.3, 0.3, 32)).toHaveLength(32);
    expect(weightedNms(many, 0.3, 0.3, 100)).toHaveLength(40);
  });
});

describe('planPasses', () => {
  it('tiles only images large enough', () => {
    expect(planPasses(320, 240, 3)).toHaveLength(1);
    expect(planPasses(640, 420, 3)).toHaveLength(5);
    expect(planPasses(1200, 800, 3)).toHaveLength(14);
    expect(planPasses(1200, 800, 1)).toHaveLength(1);
    for (const p of planPasses(1200, 800, 3)) {
      expect(p.x >= 0 && p.x < 1200 && p.y >= 0 && p.y < 800).toBe(true);
    }
  });
});

describe('detectFaces', () => {
  it('rejects malformed input', async () => {
    await expect(detectFaces({ data: new Uint8Array(10), width: 4, height: 4 })).rejects.toThrow(/RGB bytes/);
    await expect(detectFaces({ data: new Uint8Array(0), width: 0, height: 4 })).rejects.toThrow(/invalid image size/);
  });

  it('finds the faces a person counts in each scene, left to right', T, async () => {
    for (const scene of SCENES) {
      const img = await decodeImage(read(scene.path));
      const faces = planSamples(img.width, img.height, await detectFaces(img));
      expect(faces.length, scene.file).toBeGreaterThanOrEqual(scene.visible);
      expect(faces.length, scene.file).toBeLessThanOrEqual(scene.total);
      expect(faces.every((f) => !f.wholeImage && f.score! >= 0.65), scene.file).toBe(true);
      const xs = faces.map((f) => f.box.x);
      expect(xs, scene.file).toEqual([...xs].sort((a, b) => a - b));
    }
  });

  it('returns more than 20 faces from a crowded picture', T, async () => {
    // 3 x 3 copies of the scene photos: 24 faces, each at a third of its original size.
    const [cw, ch] = [480, 315];
    const tiles = await Promise.all(
      Array.from({ length: 9 }, async (_, i) => ({
        input: await sharp(read(SCENES[i % 3].path)).resize(cw, ch, { fit: 'fill' }).toBuffer(),
        left: (i % 3) * cw,
        top: Math.floor(i / 3) * ch,
      })),
    );
    const { data, info } = await sharp({ create: { width: 3 * cw, height: 3 * ch, channels: 3, background: '#777' } })
      .composite(tiles)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const faces = await detectFaces({ data, width: info.width, height: info.height });
    expect(faces.length).toBeGreaterThan(20);
    expect(faces.length).toBeLessThanOrEqual(24);
    expect(faces.map((f) => f.x)).toEqual(faces.map((f) => f.x).sort((a, b) => a - b));
  });
});

describe('liveScan (the camera preview: the whole frame, one tile in turn)', () => {
  const tiles = planPasses(1200, 900, 2).slice(1);

  it('scans only the whole frame without a tile, and tile k (modulo the tiles there are) with one', () => {
    expect(tiles).toHaveLength(4);
    expect(liveScan(null).tileLevels).toBe(1);
    expect(liveScan(2).pickTiles!(tiles)).toEqual([tiles[2]]);
    expect(liveScan(5).pickTiles!(tiles)).toEqual([tiles[1]]);
    expect(liveScan(0).pickTiles!([])).toEqual([]);
  });

  it('finds the same faces in a frame cut down to the detector resolution as in the full frame', T, async () => {
    // The preview reads each frame at 256 px (long side) for the whole-frame scan: the detector sees 256 px either way.
    for (const scene of SCENES) {
      const full = await decodeImage(read(scene.path));
      const long = Math.max(full.width, full.height);
      const width = Math.round((full.width * DETECTOR_INPUT_SIZE) / long);
      const height = Math.round((full.height * DETECTOR_INPUT_SIZE) / long);
      const { data } = await sharp(read(scene.path)).rotate().resize(width, height, { kernel: 'linear' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const k = full.width / width;
      const atFull = planSamples(full.width, full.height, await detectFaces(full, liveScan(null)));
      const atSmall = planSamples(
        full.width,
        full.height,
        (await detectFaces({ data, width, height }, liveScan(null))).map((d) => ({ ...d, x: d.x * k, y: d.y * k, w: d.w * k, h: d.h * k })),
      );
      expect(atSmall.length, scene.file).toBe(atFull.length);
      atFull.forEach((f, i) => expect(iou(f.box, atSmall[i].box), `${scene.file} face ${i}`).toBeGreaterThan(0.8));
    }
  });
});

describe('analyseImage', () => {
  it('makes exactly one sample of every single-face fixture', T, async () => {
    for (const { file } of faceFixtures()) {
      const { width, height, samples } = await analysePhoto(read(file));
      expect(samples, file).toHaveLength(1);
      const [s] = samples;
      expect(s.box.x >= 0 && s.box.y >= 0 && s.box.x + s.box.w <= width && s.box.y + s.box.h <= height, file).toBe(true);
      expect(s.cropJpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
      expect(s.phash).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('crops every face of a scene', T, async () => {
    const result = await analysePhoto(read(SCENES[2].path));
    expect([result.width, result.height]).toEqual([540, 405]);
    expect(result.samples).toHaveLength(3);
    for (const s of result.samples) {
      const meta = await sharp(s.cropJpeg).metadata();
      expect(meta.width).toBe(s.box.w);
      expect(meta.height).toBe(s.box.h);
    }
    expect(new Set(result.samples.map((s) => s.phash)).size).toBe(3);
  });
});
