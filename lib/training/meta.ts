/**
 * `buildModelMeta`: the meta.json of a head trained on this server's features. One definition for the training
 * job, the e2e fixture model and the benchmarks, so all of them describe their inputs the same way.
 */
import { CLASSES } from '../classes';
import { type BackboneKind, backboneId, DEFAULT_BACKBONE, featureDim, featureLayout } from '../inference/backbone';
import type { HeadConfig, ModelMeta } from '../inference/meta';
import { featureKey } from '../features/cache';
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
  /** The backbone the features come from (default faceres). */
  backbone?: BackboneKind;
}): ModelMeta {
  const kind = opts.backbone ?? DEFAULT_BACKBONE;
  return {
    runId: opts.runId,
    classes: [...CLASSES],
    backbone: backboneId(kind),
    backboneKind: kind,
    preprocessing: {
      input: `${featureKey(kind)} features (face box of the original photo, the inference crop path)`,
      l2: true,
      useAge: opts.head.useAge,
      mirrorTta: opts.mirrorTta,
      ...(kind === DEFAULT_BACKBONE ? {} : { layout: featureLayout(kind) }),
      dim: inputDim(featureDim(kind), opts.head),
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
