// Augmented training views (lib/features/views.ts): deterministic per seed, inside the photo, computed through
// the backbone like the plain crop; and in training a face's views are inputs of that face only.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTf } from '../helpers/tf';
import { prng } from '@/lib/random';
import { decodeOriginal } from '@/lib/features/cache';
import { describeViews, shiftedBox, VIEW_NAMES, viewParams } from '@/lib/features/views';
import { analyseImage } from '@/lib/faces/pipeline';
import { FEATURE_DIM } from '@/lib/inference/backbone';
import { headInput } from '@/lib/inference/classify';
import type { FeaturePair, FeatureVector } from '@/lib/inference/types';
import { samplesOf } from '@/lib/training/cross-validate';
import { DEFAULT_HEAD } from '@/lib/training/head';
import { trainHead } from '@/lib/training/train-head';

describe('view parameters', () => {
  it('are the same for a (seed, face, view) and change with the seed, the face and the view', () => {
    for (const v of VIEW_NAMES) {
      expect(viewParams(v, 1337, 'face-a')).toEqual(viewParams(v, 1337, 'face-a'));
      expect(viewParams(v, 1338, 'face-a')).not.toEqual(viewParams(v, 1337, 'face-a'));
      expect(viewParams(v, 1337, 'face-b')).not.toEqual(viewParams(v, 1337, 'face-a'));
    }
    expect(viewParams('blur', 1, 'f')).not.toEqual(viewParams('jpeg', 1, 'f'));
  });
  it('each single view changes one thing; a mix shifts the box, changes colours and degrades', () => {
    expect(viewParams('lowres', 5, 'f')).toMatchObject({ box: null, blur: null, colour: null, jpeg: null });
    expect(viewParams('lowres', 5, 'f').lowres).toBeGreaterThanOrEqual(20);
    expect(viewParams('shift', 5, 'f').box).not.toBeNull();
    const mix = viewParams('mix1', 5, 'f');
    expect(mix.box).not.toBeNull();
    expect(mix.colour).not.toBeNull();
    expect([mix.lowres, mix.blur, mix.jpeg].some((x) => x !== null)).toBe(true);
  });
  it('shifted boxes stay inside the photo', () => {
    const rand = prng(9);
    for (let i = 0; i < 200; i++) {
      const W = 50 + Math.floor(rand() * 500);
      const H = 50 + Math.floor(rand() * 500);
      const w = 10 + Math.floor(rand() * (W - 10));
      const h = 10 + Math.floor(rand() * (H - 10));
      const b = { x: Math.floor(rand() * (W - w)), y: Math.floor(rand() * (H - h)), w, h };
      const s = shiftedBox(b, viewParams('shift', i, 'f').box, W, H);
      expect(s.x).toBeGreaterThanOrEqual(0);
      expect(s.y).toBeGreaterThanOrEqual(0);
      expect(s.x + s.w).toBeLessThanOrEqual(W);
      expect(s.y + s.h).toBeLessThanOrEqual(H);
    }
  });
});

describe('views through the backbone', () => {
  it('are deterministic for a seed and differ from one another', async () => {
    const dir = path.resolve(__dirname, '../fixtures/facemask/mask_old');
    const file = path.join(dir, fs.readdirSync(dir).sort()[0]);
    const image = await decodeOriginal(fs.readFileSync(file));
    const box = (await analyseImage(image)).samples[0].box;
    const face = { key: 'f1', box, views: ['lowres', 'mix1'] as const };
    const [a] = await describeViews(image, [{ ...face, views: [...face.views] }], 1337);
    const [b] = await describeViews(image, [{ ...face, views: [...face.views] }], 1337);
    const [c] = await describeViews(image, [{ ...face, views: [...face.views] }], 1338);
    expect(a).toHaveLength(2);
    expect(a.map((v) => Array.from(v.features))).toEqual(b.map((v) => Array.from(v.features)));
    expect(Array.from(c[1].features)).not.toEqual(Array.from(a[1].features));
    expect(Array.from(a[0].features)).not.toEqual(Array.from(a[1].features));
  }, 120_000);
});

describe('training on views', () => {
  const vec = (seed: number, dim = FEATURE_DIM): FeatureVector => {
    const r = prng(seed);
    return { features: Float32Array.from({ length: dim }, () => r() - 0.5), age: 30, male: r() };
  };
  const pair = (i: number, views: number): FeaturePair => ({ plain: vec(i), mirrored: vec(1000 + i), views: Array.from({ length: views }, (_, j) => vec(5000 + 10 * i + j)) });

  it("samplesOf gives each face its own views, and none to a part without views", () => {
    const pairs = [pair(1, 2), pair(2, 0), pair(3, 3)];
    const s = samplesOf({ pairs, y: [0, 1, 2] }, DEFAULT_HEAD);
    expect(s.xViews!.map((v) => v.length)).toEqual([2, 0, 3]);
    expect(Array.from(s.xViews![2][1])).toEqual(Array.from(headInput(pairs[2].views![1].features, pairs[2].views![1].age, true)));
    const plain = samplesOf({ pairs: pairs.map(({ plain: p, mirrored: m }) => ({ plain: p, mirrored: m })), y: [0, 1, 2] }, DEFAULT_HEAD);
    expect(plain.xViews).toBeUndefined();
  });

  it('a head with views is deterministic for a seed, and without any views it is the mirror-only head', async () => {
    const tf = await testTf();
    const n = 40;
    const y = Array.from({ length: n }, (_, i) => i % 4);
    const cfg = { ...DEFAULT_HEAD, maxEpochs: 5, weighting: 'class' as const };
    const train = (views: number) => samplesOf({ pairs: y.map((_, i) => pair(i, views)), y }, cfg);
    const valid = samplesOf({ pairs: y.slice(0, 8).map((_, i) => pair(100 + i, 0)), y: y.slice(0, 8) }, cfg);
    const weights = async (views: number) => {
      const r = await trainHead(tf, { train: train(views), valid }, { config: cfg, seed: 3 });
      const w = await Promise.all(r.model.getWeights().map((t) => t.data()));
      r.model.dispose();
      return w.map((a) => Array.from(a));
    };
    const withViews = await weights(3);
    expect(await weights(3)).toEqual(withViews);
    expect(await weights(0)).not.toEqual(withViews);
    // no views at all = the recipe before views (each epoch plain or mirrored at random)
    const mirrorOnly = train(0);
    const r = await trainHead(tf, { train: { ...mirrorOnly, xViews: undefined }, valid }, { config: cfg, seed: 3 });
    const w = (await Promise.all(r.model.getWeights().map((t) => t.data()))).map((a) => Array.from(a));
    r.model.dispose();
    expect(w).toEqual(await weights(0));
  }, 120_000);
});
