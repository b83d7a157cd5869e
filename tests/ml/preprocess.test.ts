import { describe, expect, it } from 'vitest';
import {
  BACKBONE_INPUT_SIZE,
  SAMPLE_RULE,
  cropsToBackboneInput,
  faceCropBox,
  passesFaceGate,
  planSamples,
  toBackboneInput,
  type Box,
} from '../../lib/inference/preprocess';
import { getTf } from '../../lib/models/tf';

const inside = (b: Box, w: number, h: number) => b.x >= 0 && b.y >= 0 && b.x + b.w <= w && b.y + b.h <= h;

describe('faceCropBox', () => {
  it('is a square with the margin, centred on the face', () => {
    const box = faceCropBox({ x: 400, y: 300, w: 100, h: 80 }, 1000, 800);
    expect(box).toEqual({ x: 380, y: 270, w: 140, h: 140 }); // 100 * (1 + 2 * 0.2)
  });

  it('is shifted, not cut, at the image border', () => {
    const box = faceCropBox({ x: 0, y: 5, w: 100, h: 100 }, 1000, 800);
    expect(box.w).toBe(140);
    expect(box.h).toBe(140);
    expect(box.x).toBe(0);
    expect(box.y).toBe(0);
  });

  it('shrinks to the image when the face fills it', () => {
    const box = faceCropBox({ x: 5, y: 30, w: 90, h: 90 }, 100, 160);
    expect(box.w).toBe(100);
    expect(box.h).toBe(100);
    expect(inside(box, 100, 160)).toBe(true);
  });

  it('always lies inside the image', () => {
    for (const face of [
      { x: -20, y: -20, w: 60, h: 60 },
      { x: 950, y: 750, w: 80, h: 80 },
      { x: 10, y: 10, w: 2000, h: 30 },
    ]) {
      expect(inside(faceCropBox(face, 1000, 800), 1000, 800)).toBe(true);
    }
  });
});

describe('planSamples', () => {
  const face = (x: number, score = 0.9, side = 100) => ({ x, y: 200, w: side, h: side, score });

  it('makes one whole-image sample when nothing is detected', () => {
    expect(planSamples(640, 480, [])).toEqual([{ box: { x: 0, y: 0, w: 640, h: 480 }, wholeImage: true, score: null }]);
  });

  it('ignores low scores and tiny boxes', () => {
    expect(passesFaceGate(face(100, 0.6), 640, 480)).toBe(false);
    expect(passesFaceGate(face(100, 0.9, 15), 640, 480)).toBe(false); // < 20 px
    expect(passesFaceGate(face(100, 0.9, 30), 2000, 1500)).toBe(false); // < 4% of the long side
    expect(passesFaceGate(face(100, SAMPLE_RULE.minScore), 640, 480)).toBe(true);
    const plan = planSamples(640, 480, [face(100, 0.6), face(300, 0.9, 15)]);
    expect(plan).toHaveLength(1);
    expect(plan[0].wholeImage).toBe(true);
    expect(plan[0].score).toBeNull();
  });

  it('makes one crop per trusted face, left to right', () => {
    const plan = planSamples(1000, 600, [face(700, 0.8), face(100, 0.95), face(400, 0.5)]);
    expect(plan.map((p) => p.score)).toEqual([0.95, 0.8]);
    expect(plan.every((p) => !p.wholeImage && p.box.w === 140 && p.box.h === 140)).toBe(true);
    expect(plan[0].box.x).toBeLessThan(plan[1].box.x);
  });

  it('keeps an image that is already a face crop whole, with the face score', () => {
    const plan = planSamples(120, 150, [{ x: 15, y: 30, w: 90, h: 90, score: 0.9 }]);
    expect(plan).toEqual([{ box: { x: 0, y: 0, w: 120, h: 150 }, wholeImage: true, score: 0.9 }]);
  });

  it('crops a lone face that does not fill the image', () => {
    const plan = planSamples(640, 480, [face(100, 0.9, 150)]); // margin box 210 < 0.7 * 480
    expect(plan).toHaveLength(1);
    expect(plan[0].wholeImage).toBe(false);
  });

  it('accepts rule overrides and rejects bad sizes', () => {
    expect(planSamples(640, 480, [face(100, 0.6)], { minScore: 0.5 })[0].wholeImage).toBe(false);
    expect(() => planSamples(0, 10, [])).toThrow(/invalid image size/);
  });
});

describe('backbone input', () => {
  it('keeps 224x224 RGB values as float and batches', async () => {
    const tf = await getTf();
    const pixels = tf.randomUniform([BACKBONE_INPUT_SIZE, BACKBONE_INPUT_SIZE, 3], 0, 255, 'int32') as import('@tensorflow/tfjs').Tensor3D;
    const x = toBackboneInput(tf, pixels);
    expect(x.shape).toEqual([1, 224, 224, 3]);
    expect(x.dtype).toBe('float32');
    expect(Array.from(await x.data())).toEqual(Array.from(await pixels.data()));
    tf.dispose([pixels, x]);
  });

  it('resizes other sizes and crops boxes out of a full image', async () => {
    const tf = await getTf();
    const image = tf.fill([300, 400, 3], 128, 'int32') as import('@tensorflow/tfjs').Tensor3D;
    const x = cropsToBackboneInput(tf, image, [
      { x: 10, y: 20, w: 100, h: 100 },
      { x: 0, y: 0, w: 400, h: 300 },
    ]);
    expect(x.shape).toEqual([2, 224, 224, 3]);
    expect((await tf.max(tf.abs(tf.sub(x, 128))).data())[0]).toBeLessThan(1e-3);
    tf.dispose([image, x]);
  });
});
