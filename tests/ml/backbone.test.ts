import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../lib/images';
import { BACKBONE_ID, FEATURE_DIM } from '../../lib/inference/backbone';
import type { FeaturePair, FeatureVector } from '../../lib/inference/types';
import { backendName } from '../../lib/models/tf';
import { describeImageBoxes } from '../../lib/features/cache';
import { faceFixtures, read, SCENES } from './fixtures';

// The backbone as training and inference run it: `describeImageBoxes` (the decoded photo, boxes cut and
// resized by the tensor crop, plain and mirrored in one faceres batch).
const T = { timeout: 120_000 };

const cosineDistance = (a: Float32Array, b: Float32Array): number => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return 1 - ab / Math.sqrt(aa * bb);
};

const fixtures = faceFixtures();
const limits = { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 };
const decode = async (file: string) => (await decodeImage(read(file), limits)).rgb;
const whole = (im: { width: number; height: number }) => ({ x: 0, y: 0, w: im.width, h: im.height });
let pairs: FeaturePair[];
let described: FeatureVector[];

beforeAll(async () => {
  pairs = [];
  for (const f of fixtures) {
    const image = await decode(f.file);
    pairs.push(...(await describeImageBoxes(image, [whole(image)])));
  }
  described = pairs.map((p) => p.plain);
}, 120_000);

describe('backbone', () => {
  it('runs on a fast backend and names its feature space', async () => {
    expect(['tensorflow', 'wasm']).toContain(await backendName());
    expect(BACKBONE_ID).toMatch(/^faceres-2c7d2d62-p\d+$/);
  });

  it('gives finite 1024-d features, an age and a gender score per crop', () => {
    expect(described).toHaveLength(fixtures.length);
    for (const d of described) {
      expect(d.features).toBeInstanceOf(Float32Array);
      expect(d.features.length).toBe(FEATURE_DIM);
      expect(d.features.every(Number.isFinite)).toBe(true);
      expect(d.age).toBeGreaterThan(0);
      expect(d.age).toBeLessThan(100);
      expect(d.male).toBeGreaterThanOrEqual(0);
      expect(d.male).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic and independent of batching', T, async () => {
    const scene = await decode(SCENES[2].path);
    const boxes = [
      { x: 50, y: 60, w: 130, h: 130 },
      { x: 200, y: 40, w: 150, h: 150 },
      whole(scene),
    ];
    const together = await describeImageBoxes(scene, boxes);
    for (const [i, box] of boxes.entries()) {
      const [alone] = await describeImageBoxes(scene, [box]);
      let maxDiff = 0;
      for (let k = 0; k < FEATURE_DIM; k++) maxDiff = Math.max(maxDiff, Math.abs(alone.plain.features[k] - together[i].plain.features[k]));
      expect(maxDiff).toBeLessThan(1e-5);
    }
    expect(await describeImageBoxes(scene, boxes.slice(0, 2))).toEqual(await describeImageBoxes(scene, boxes.slice(0, 2)));
  });

  it('puts a face closer to its own mirror image than to any other person', () => {
    fixtures.forEach((f, i) => {
      const own = cosineDistance(described[i].features, pairs[i].mirrored!.features);
      const others = described.filter((_, j) => j !== i).map((d) => cosineDistance(described[i].features, d.features));
      expect(own, f.file).toBeLessThan(Math.min(...others));
    });
  });

  it('sees old faces as older than young ones', () => {
    const meanAge = (cls: string) => {
      const ages = described.filter((_, i) => fixtures[i].cls === cls).map((d) => d.age);
      return ages.reduce((a, b) => a + b, 0) / ages.length;
    };
    expect(meanAge('nomask_old')).toBeGreaterThan(meanAge('nomask_young') + 10);
    expect(meanAge('mask_old')).toBeGreaterThan(meanAge('mask_young') + 4);
  });
});
