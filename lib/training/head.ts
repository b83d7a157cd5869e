// The classifier head on frozen backbone features: [dense(hidden, relu) →] dropout →
// dense(4, softmax), built with tfjs layers (so it saves as a standard TF.js layers model
// the browser can load), trained by our own loop so that it is deterministic for a seed
// (seeded initialisers, seeded shuffling, a fresh seeded dropout mask each step).
import type * as TF from '@tensorflow/tfjs';
import { NUM_CLASSES } from '../classes';
import { type BackboneKind, TRAINING_VIEWS } from '../inference/backbone';
import type { HeadConfig } from '../inference/meta';
import type { Tf } from '../inference/types';

// Its inputs are `headInput` (lib/inference/classify.ts), its probabilities `headProbs` there; the
// configuration type is `HeadConfig` in lib/inference/meta.ts (it is saved in meta.json).

// Chosen on cross-validation (`npm run bench -- train`, bench/train.ts), never on a test split:
// hidden 64 + batch 256 + lr 0.01 matched the best validation accuracy (98.3%) of the configurations tried
// and retrains 3,000 faces in ~8 s instead of ~50 s (hidden 128, batch 128). Issue #11: samples are
// weighted by class × apparent gender (lib/training/weights.ts), and among the gender-weighted heads tried
// (hidden 32/64/128, linear, dropout 0.3/0.5, L2 1e-4/1e-3, with/without the age input, ×source weights,
// 3-seed ensembles, removing the gender direction from the features) the criterion "CV 4-class accuracy
// within 0.5 point of the best, then the best worst class × apparent-gender cell" picked L2 1e-3
// (3 seeds: CV 94.8% vs 95.2% best, worst cell 78.4% vs 73.9% for the old recipe).
//
// Issue #23: the head also trains on 9 augmented views of each training face (TRAINING_VIEWS: lower resolution,
// blur, JPEG, colour, a shifted box and four mixes, each mirrored or not; an epoch shows each face as one of plain,
// mirrored or a view, uniformly). Chosen by `npm run bench -- train --views-select --seeds 2` with the rule "CV
// 4-class within 0.5 point of the best candidate, then the best mean of the worst age × gender cell on age-dev and
// the worst class on mask-dev" (never a test split; see docs/training.md): no views CV 94.9%, age-dev worst cell
// 93.0%, mask-dev nomask 95.4%; all 9 views 94.4%, 93.0%, 97.9%.
export const DEFAULT_HEAD: HeadConfig = {
  hidden: 64,
  dropout: 0.3,
  learningRate: 0.01,
  l2: 1e-3,
  batchSize: 256,
  maxEpochs: 60,
  patience: 6,
  useAge: true,
  weighting: 'class+gender',
  views: [...TRAINING_VIEWS],
};

// The head for the accurate backbone (faceres + faceres-deep + gear, 2,055 features): chosen with the same
// criterion on cross-validation only (`npm run bench -- train --select --seeds 2`), never on a test split or on
// age-dev / mask-dev. 2 seeds, CV 4-class / worst class × apparent-gender cell: hidden 64 l2 1e-3 96.6 / 74.1%,
// hidden 64 l2 1e-4 96.7 / 71.2%, hidden 128 l2 1e-3 dropout 0.5 96.0 / 75.5%, linear l2 1e-4 96.7 / 81.2%,
// linear l2 1e-3 96.9 / 84.0%, linear l2 1e-3 dropout 0.5 96.5 / 71.2%, linear l2 3e-3 96.6 / 84.1%: the rule
// (within 0.5 point of the best CV, then the best worst cell) picks linear, L2 3e-3. See docs/training.md.
// No training views: they were chosen for the fast backbone only (the accurate backbone's views were not measured).
export const ACCURATE_HEAD: HeadConfig = { ...DEFAULT_HEAD, hidden: 0, l2: 3e-3, views: [] };

/** The default head for a backbone kind. */
export const headFor = (kind: BackboneKind): HeadConfig => (kind === 'faceres' ? DEFAULT_HEAD : ACCURATE_HEAD);

export function inputDim(featureDim: number, cfg: Pick<HeadConfig, 'useAge'>): number {
  return featureDim + (cfg.useAge ? 1 : 0);
}

/** A fresh head with seeded initial weights. Dropout is a standard layer (identity at inference). */
export function buildHead(tf: Tf, dim: number, cfg: HeadConfig, seed: number): TF.Sequential {
  const model = tf.sequential({ name: 'masklab_head' });
  if (cfg.hidden > 0) {
    model.add(
      tf.layers.dense({
        inputShape: [dim],
        units: cfg.hidden,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        name: 'hidden',
      }),
    );
    model.add(tf.layers.dropout({ rate: cfg.dropout, name: 'dropout' }));
  } else {
    model.add(tf.layers.dropout({ inputShape: [dim], rate: cfg.dropout, name: 'dropout' }));
  }
  model.add(
    tf.layers.dense({
      units: NUM_CLASSES,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      name: 'classes',
    }),
  );
  return model;
}

let gradientPatched = false;
/**
 * The stock gradient of BatchMatMul computes the kernel gradient as matMul(a, dy,
 * transposeA=true), which is slow on the wasm backend. An explicit transpose followed by a
 * plain matMul gives the same numbers about twice as fast for the head's training.
 */
export function patchMatMulGradient(tf: Tf): void {
  if (gradientPatched) return;
  gradientPatched = true;
  const T = (x: TF.Tensor) => tf.transpose(x, x.rank === 3 ? [0, 2, 1] : [1, 0]);
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const d = dy as TF.Tensor;
      if (!transposeA && !transposeB) return { a: () => tf.matMul(d, T(b)), b: () => tf.matMul(T(a), d) };
      if (!transposeA && transposeB) return { a: () => tf.matMul(d, b), b: () => tf.matMul(T(d), a) };
      if (transposeA && !transposeB) return { a: () => tf.matMul(b, T(d)), b: () => tf.matMul(a, d) };
      return { a: () => tf.matMul(T(b), T(d)), b: () => tf.matMul(T(d), T(a)) };
    },
  });
}
