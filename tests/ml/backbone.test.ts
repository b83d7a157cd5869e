import { beforeAll, describe, expect, it } from 'vitest';
import { BACKBONE_ID, FEATURE_DIM, describe as describeFaces, embed, embedMirrored, type FaceDescription } from '../../lib/models/backbone';
import { encodedToRgb } from '../../lib/faces/crop';
import { backendName } from '../../lib/models/tf';
import { faceFixtures, read } from './fixtures';

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
let crops: Uint8Array[];
let described: FaceDescription[];

beforeAll(async () => {
  crops = await Promise.all(fixtures.map((f) => encodedToRgb(read(f.file))));
  described = await describeFaces(crops);
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
    const again = await embed(crops.slice(0, 5), { batchSize: 2 });
    again.forEach((f, i) => {
      let maxDiff = 0;
      for (let k = 0; k < f.length; k++) maxDiff = Math.max(maxDiff, Math.abs(f[k] - described[i].features[k]));
      expect(maxDiff).toBeLessThan(1e-5);
    });
    const twice = await embed(crops.slice(0, 2));
    expect(await embed(crops.slice(0, 2))).toEqual(twice);
  });

  it('puts a face closer to its own mirror image than to any other person', T, async () => {
    const mirrored = await embedMirrored(crops);
    fixtures.forEach((f, i) => {
      const own = cosineDistance(described[i].features, mirrored[i]);
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

  it('rejects crops of the wrong size', async () => {
    await expect(embed([new Uint8Array(10)])).rejects.toThrow(/expected 150528/);
  });
});
