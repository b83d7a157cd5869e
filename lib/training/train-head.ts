// Trains the head: weighted cross-entropy with L2, Adam, seeded mini-batches and dropout
// masks, early stopping on the validation loss, and the best epoch's weights kept. The weights
// are per sample, by the config's `weighting` (`sampleWeights` in ./weights.ts: classes equal,
// and within a class apparent genders, and sources, equal), computed here from what each sample
// carries (`Samples.male`, `Samples.source`), so every caller trains the same recipe. Our own loop rather than tfjs-layers `fit` (whose `sampleWeight`
// is not implemented in 4.22): the weighted loss is Σ w·ce / Σ w over each mini-batch.
import type * as TF from '@tensorflow/tfjs';
import { NUM_CLASSES } from '../classes';
import { prng, shuffleInPlace } from '../random';
import type { HeadConfig, Weighting } from '../inference/meta';
import type { Tf } from '../inference/types';
import { buildHead, DEFAULT_HEAD, patchMatMulGradient } from './head';
import { sampleWeights } from './weights';

/**
 * `xMirror[i]`: the same face mirrored; when given, each epoch uses one of the two at random.
 * `xViews[i]`: more views of the same face (augmented crops, lib/features/views.ts); each epoch then uses one of
 * plain, mirrored and these at random (uniformly). A face's views are inputs of that face only: they carry its
 * label and its weight, and stay in its split.
 * `male[i]`: the backbone's apparent-male probability (needed by the gender weightings);
 * `source[i]`: where the face came from (`class+gender+source`; missing ones form one group).
 * The weights apply to the training loss and to the validation loss that early-stops it.
 */
export type Samples = {
  x: readonly Float32Array[];
  y: readonly number[];
  xMirror?: readonly Float32Array[];
  xViews?: readonly (readonly Float32Array[])[];
  male?: readonly number[];
  source?: readonly (string | null)[];
};
export type EpochStats = { epoch: number; loss: number; accuracy: number; valLoss: number | null; valAccuracy: number | null };
export type TrainResult = { model: TF.Sequential; history: EpochStats[]; bestEpoch: number; dim: number; config: HeadConfig };

function stack(tf: Tf, rows: readonly Float32Array[], dim: number): TF.Tensor2D {
  const flat = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new Error(`sample ${i} has ${r.length} values, expected ${dim}`);
    flat.set(r, i * dim);
  });
  return tf.tensor2d(flat, [rows.length, dim]);
}

/** The recipe's weight of each sample (mean 1). */
export function weightsOf(s: Samples, weighting: Weighting): number[] {
  if (weighting !== 'class' && (!s.male || s.male.length !== s.y.length)) {
    throw new Error(`${weighting} weights need every sample's apparent-male probability`);
  }
  if (s.source && s.source.length !== s.y.length) throw new Error('sources and labels differ in length');
  return sampleWeights(
    s.y.map((y, i) => ({ y, male: s.male?.[i] ?? 0, source: s.source?.[i] ?? null })),
    weighting,
  );
}

export async function trainHead(
  tf: Tf,
  data: { train: Samples; valid: Samples },
  opts: { config?: Partial<HeadConfig>; seed?: number; onEpoch?: (s: EpochStats) => Promise<void> | void } = {},
): Promise<TrainResult> {
  const cfg: HeadConfig = { ...DEFAULT_HEAD, ...opts.config };
  const seed = opts.seed ?? 1337;
  const { train, valid } = data;
  if (train.x.length === 0) throw new Error('no training samples');
  if (train.x.length !== train.y.length || valid.x.length !== valid.y.length) throw new Error('features and labels differ in length');
  const weighting = cfg.weighting ?? 'class';
  const trainWeights = weightsOf(train, weighting);
  const validWeights = valid.x.length ? weightsOf(valid, weighting) : [];
  const dim = train.x[0].length;
  patchMatMulGradient(tf);

  const model = buildHead(tf, dim, cfg, seed);
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  const vars = dense.flatMap((l) => l.trainableWeights.map((w) => w.read() as TF.Variable));
  const kernels = dense.map((l) => l.trainableWeights[0].read() as TF.Variable);
  const [W1, b1] = cfg.hidden > 0 ? [vars[0], vars[1]] : [null, null];
  const [W2, b2] = cfg.hidden > 0 ? [vars[2], vars[3]] : [vars[0], vars[1]];
  const optimizer = tf.train.adam(cfg.learningRate);

  const mirrored = train.xMirror && train.xMirror.length === train.x.length;
  if (train.xViews && train.xViews.length !== train.x.length) throw new Error('views and samples differ in length');
  // Rows of X: the plain inputs, the mirrored ones, then every face's views; `alts[i]`: face i's other rows.
  const rows = mirrored ? [...train.x, ...train.xMirror!] : [...train.x];
  const alts: number[][] = train.x.map((_, i) => (mirrored ? [i + train.x.length] : []));
  train.xViews?.forEach((vs, i) =>
    vs.forEach((v) => {
      alts[i].push(rows.length);
      rows.push(v);
    }),
  );
  const anyAlt = alts.some((a) => a.length > 0);
  const X = stack(tf, rows, dim);
  const Y = tf.oneHot(tf.tensor1d([...train.y], 'int32'), NUM_CLASSES).toFloat() as TF.Tensor2D;
  const Wt = tf.tensor1d(trainWeights);
  const Xv = valid.x.length ? stack(tf, valid.x, dim) : null;
  const Yv = valid.x.length ? (tf.oneHot(tf.tensor1d([...valid.y], 'int32'), NUM_CLASSES).toFloat() as TF.Tensor2D) : null;
  const Wv = valid.x.length ? tf.tensor1d(validWeights) : null;

  const dropoutMask = (shape: [number, number], s: number) =>
    tf.randomUniform(shape, 0, 1, 'float32', s).greaterEqual(cfg.dropout).toFloat().div(1 - cfg.dropout);

  const forwardTrain = (xb: TF.Tensor2D, step: number): TF.Tensor2D => {
    let h: TF.Tensor2D = xb;
    if (W1 && b1) {
      h = tf.relu(tf.add(tf.matMul(h, W1), b1)) as TF.Tensor2D;
    }
    if (cfg.dropout > 0) h = tf.mul(h, dropoutMask(h.shape as [number, number], seed * 7919 + step)) as TF.Tensor2D;
    return tf.add(tf.matMul(h, W2), b2) as TF.Tensor2D;
  };

  const n = train.x.length;
  const rand = prng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  const history: EpochStats[] = [];
  let best = { valLoss: Infinity, epoch: 0, weights: [] as TF.Tensor[] };
  let step = 0;
  try {
    for (let epoch = 1; epoch <= cfg.maxEpochs; epoch++) {
      shuffleInPlace(order, rand);
      // Augmentation: each face is seen as one of its views, chosen at random each epoch (with the mirror
      // only: half of the faces are seen mirrored).
      // With `viewShare`, a face with views is seen as one of them that often, else plain or mirrored.
      const share = cfg.viewShare;
      const pick = anyAlt
        ? order.map((i) => {
            if (share !== undefined && mirrored && alts[i].length > 1) {
              if (rand() >= share) return rand() < 0.5 ? i : alts[i][0];
              return alts[i][1 + Math.floor(rand() * (alts[i].length - 1))];
            }
            const k = Math.floor(rand() * (alts[i].length + 1));
            return k === 0 ? i : alts[i][k - 1];
          })
        : order;
      let lossSum = 0;
      let correct = 0;
      for (let start = 0; start < n; start += cfg.batchSize) {
        const batch = order.slice(start, start + cfg.batchSize);
        const idx = tf.tensor1d(pick.slice(start, start + cfg.batchSize), 'int32');
        const yIdx = tf.tensor1d(batch, 'int32');
        step++;
        const { loss, hits } = tf.tidy(() => {
          const xb = tf.gather(X, idx) as TF.Tensor2D;
          const yb = tf.gather(Y, yIdx) as TF.Tensor2D;
          const wb = tf.gather(Wt, yIdx);
          let logitsOut: TF.Tensor2D | null = null;
          const cost = optimizer.minimize(
            () => {
              const logits = forwardTrain(xb, step);
              logitsOut = tf.keep(logits);
              const ce = tf.neg(tf.sum(tf.mul(yb, tf.logSoftmax(logits)), 1));
              const data = tf.div(tf.sum(tf.mul(ce, wb)), tf.sum(wb));
              const reg = kernels.reduce((acc, k) => tf.add(acc, tf.mul(cfg.l2, tf.sum(tf.square(k)))), tf.scalar(0));
              return tf.add(data, reg) as TF.Scalar;
            },
            true,
            vars,
          )!;
          const hitsT = tf.sum(tf.equal(tf.argMax(logitsOut!, 1), tf.argMax(yb, 1)).toFloat());
          tf.dispose(logitsOut!);
          return { loss: tf.mul(cost, xb.shape[0]), hits: hitsT };
        });
        lossSum += (await loss.data())[0];
        correct += (await hits.data())[0];
        tf.dispose([loss, hits, idx, yIdx]);
      }
      let valLoss: number | null = null;
      let valAccuracy: number | null = null;
      if (Xv && Yv) {
        const [l, a] = tf.tidy(() => {
          const p = tf.clipByValue(model.predict(Xv) as TF.Tensor2D, 1e-7, 1);
          const rowCe = tf.neg(tf.sum(tf.mul(Yv, tf.log(p)), 1));
          const ce = tf.div(tf.sum(tf.mul(rowCe, Wv!)), tf.sum(Wv!));
          const acc = tf.mean(tf.equal(tf.argMax(p, 1), tf.argMax(Yv, 1)).toFloat());
          return [ce, acc];
        });
        valLoss = (await l.data())[0];
        valAccuracy = (await a.data())[0];
        tf.dispose([l, a]);
      }
      const stats: EpochStats = { epoch, loss: lossSum / n, accuracy: correct / n, valLoss, valAccuracy };
      history.push(stats);
      // Best epoch: lowest validation loss (last epoch when there is no validation data).
      const score = valLoss ?? -epoch;
      if (score < best.valLoss - 1e-6) {
        tf.dispose(best.weights);
        best = { valLoss: score, epoch, weights: model.getWeights().map((w) => w.clone()) };
      }
      if (opts.onEpoch) await opts.onEpoch(stats);
      if (valLoss !== null && epoch - best.epoch >= cfg.patience) break;
    }
    model.setWeights(best.weights);
  } finally {
    tf.dispose([X, Y, Wt, ...(Xv ? [Xv] : []), ...(Yv ? [Yv] : []), ...(Wv ? [Wv] : []), ...best.weights]);
    optimizer.dispose();
  }
  return { model, history, bestEpoch: best.epoch, dim, config: cfg };
}
