import { describe, expect, it } from 'vitest';
import { testTf } from '../helpers/tf';
import { prng } from '@/lib/random';
import { argmax, headInput, headProbs } from '@/lib/inference/classify';
import { trainHead, type Samples, weightsOf } from '@/lib/training/train-head';

/** Four Gaussian blobs in 48 dimensions (one per class), L2-normalised like real features. */
function blobs(nPerClass: number, seed: number): Samples {
  const rand = prng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = [0, 1, 2, 3].map(() => Array.from({ length: 48 }, gauss));
  const x: Float32Array[] = [];
  const y: number[] = [];
  for (let c = 0; c < 4; c++) {
    for (let i = 0; i < nPerClass * (c + 1); i++) {
      // classes of different sizes (imbalance): 1x, 2x, 3x, 4x
      x.push(headInput(centres[c].map((m) => m + 0.8 * gauss()), null, false));
      y.push(c);
    }
  }
  return { x, y };
}

describe('head training', () => {
  const data = { train: blobs(40, 1), valid: blobs(10, 1) };
  // same centres (same seed), fresh noise for the held-out set
  const heldOut = (() => {
    const s = blobs(60, 1);
    return { x: s.x.slice(-300), y: s.y.slice(-300) };
  })();

  it('weights classes by inverse frequency, and refuses gender weights without apparent gender', () => {
    expect(weightsOf({ x: [], y: [0, 0, 0, 1] }, 'class')).toEqual([4 / 6, 4 / 6, 4 / 6, 2]);
    expect(() => weightsOf({ x: [], y: [0, 1] }, 'class+gender')).toThrow(/apparent-male probability/);
  });

  it('learns a separable problem and keeps the best epoch', async () => {
    const tf = await testTf();
    const r = await trainHead(tf, data, { seed: 3, config: { maxEpochs: 40, patience: 8, hidden: 32, weighting: 'class' } });
    expect(r.bestEpoch).toBeGreaterThan(0);
    const best = r.history[r.bestEpoch - 1];
    expect(Math.min(...r.history.map((h) => h.valLoss!))).toBeCloseTo(best.valLoss!, 6);
    const probs = await headProbs(tf, r.model, heldOut.x, r.dim, 4);
    const acc = probs.filter((p, i) => argmax(p) === heldOut.y[i]).length / probs.length;
    expect(acc).toBeGreaterThan(0.95);
    // the restored model really is the best epoch's: its validation loss matches
    const vp = await headProbs(tf, r.model, data.valid.x, r.dim, 4);
    const vloss = -vp.reduce((s, p, i) => s + Math.log(Math.max(p[data.valid.y[i]], 1e-7)), 0) / vp.length;
    expect(vloss).toBeCloseTo(best.valLoss!, 4);
    r.model.dispose();
  });

  it('is deterministic for a seed', async () => {
    const tf = await testTf();
    const cfg = { maxEpochs: 5, patience: 100, hidden: 16, dropout: 0.5, weighting: 'class' as const };
    const a = await trainHead(tf, data, { seed: 11, config: cfg });
    const b = await trainHead(tf, data, { seed: 11, config: cfg });
    const c = await trainHead(tf, data, { seed: 12, config: cfg });
    const w = async (m: typeof a) => Promise.all(m.model.getWeights().map(async (t) => Array.from(await t.data())));
    const [wa, wb, wc] = await Promise.all([w(a), w(b), w(c)]);
    expect(wb).toEqual(wa);
    expect(wc).not.toEqual(wa);
    expect(b.history).toEqual(a.history);
    [a, b, c].forEach((r) => r.model.dispose());
  });

  it("applies the config's weighting itself: one apparent gender per class trains the class-weighted head, mixed genders another one, deterministically for a seed", async () => {
    const tf = await testTf();
    const cfg = { maxEpochs: 4, patience: 100, hidden: 0, dropout: 0.2 };
    const w = async (m: Awaited<ReturnType<typeof trainHead>>) => Promise.all(m.model.getWeights().map(async (t) => Array.from(await t.data())));
    const withMale = (s: Samples, male: (i: number) => number): Samples => ({ ...s, male: s.y.map((_, i) => male(i)) });
    const oneGender = { train: withMale(data.train, () => 0.2), valid: withMale(data.valid, () => 0.2) };
    const plain = await trainHead(tf, oneGender, { seed: 5, config: { ...cfg, weighting: 'class' } });
    const sameCells = await trainHead(tf, oneGender, { seed: 5, config: { ...cfg, weighting: 'class+gender' } });
    expect(await w(sameCells)).toEqual(await w(plain));
    // apparent-gender weights (every third sample a "man"), same seed twice
    const mixed = { train: withMale(data.train, (i) => (i % 3 === 0 ? 0.8 : 0.2)), valid: oneGender.valid };
    const a = await trainHead(tf, mixed, { seed: 9, config: { ...cfg, weighting: 'class+gender' } });
    const b = await trainHead(tf, mixed, { seed: 9, config: { ...cfg, weighting: 'class+gender' } });
    const byClass = await trainHead(tf, mixed, { seed: 9, config: { ...cfg, weighting: 'class' } });
    expect(await w(b)).toEqual(await w(a));
    expect(await w(a)).not.toEqual(await w(byClass));
    await expect(trainHead(tf, data, { seed: 9, config: { ...cfg, weighting: 'class+gender' } })).rejects.toThrow(/apparent-male probability/);
    [plain, sameCells, a, b, byClass].forEach((r) => r.model.dispose());
  });
});
