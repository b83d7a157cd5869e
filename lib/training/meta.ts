/**
 * `buildModelMeta`: the meta.json of a head trained on this server's features. One definition for the training
 * job, the e2e fixture model and the benchmarks, so all of them describe their inputs the same way.
 */
import { CLASSES } from '../classes';
import { BACKBONE_ID, FEATURE_DIM } from '../inference/backbone';
import type { HeadConfig, ModelMeta } from '../inference/meta';
import { FEATURE_KEY } from './features';
import { inputDim } from './head';

export function buildModelMeta(opts: {
  runId: string;
  head: HeadConfig;
  mirrorTta: boolean;
  bestEpoch: number;
  seed: number;
  snapshot: { faces: number; perSplit: Record<string, number> };
  createdBy?: string | null;
  metrics?: ModelMeta['metrics'];
}): ModelMeta {
  return {
    runId: opts.runId,
    classes: [...CLASSES],
    backbone: BACKBONE_ID,
    preprocessing: {
      input: `${FEATURE_KEY} features (face box of the original photo, the inference crop path)`,
      l2: true,
      useAge: opts.head.useAge,
      mirrorTta: opts.mirrorTta,
      dim: inputDim(FEATURE_DIM, opts.head),
    },
    head: opts.head,
    bestEpoch: opts.bestEpoch,
    seed: opts.seed,
    metrics: opts.metrics ?? null,
    snapshot: opts.snapshot,
    createdBy: opts.createdBy ?? null,
    createdAt: new Date().toISOString(),
  };
}
