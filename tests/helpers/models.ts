// A small model's meta.json for registry and backup tests: a made-up backbone, no metrics.
import { CLASSES } from '@/lib/classes';
import type { ModelMeta } from '@/lib/inference/meta';
import { DEFAULT_HEAD } from '@/lib/training/head';

export function testMeta(runId: string, dim: number): ModelMeta {
  return {
    runId,
    classes: CLASSES,
    backbone: 'test-backbone',
    preprocessing: { input: 'features', l2: true, useAge: false, mirrorTta: false, dim },
    head: { ...DEFAULT_HEAD, hidden: 4, useAge: false },
    bestEpoch: 1,
    seed: 1,
    metrics: null,
    snapshot: { faces: 0, perSplit: {} },
    createdBy: null,
    createdAt: new Date(0).toISOString(),
  };
}
