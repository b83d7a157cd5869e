// Queuing a retrain, and the shapes the Training pages read. No ML imports: the web app
// imports this module, the worker runs lib/training/job.
import { z } from 'zod';
import type { Db } from '../db';
import { DEFAULT_SEED } from '../random';
import { VIEW_NAMES, WEIGHTINGS } from '../inference/meta';
import { BACKBONE_KINDS } from '../inference/backbone';
import type { Metrics } from './metrics';
import type { EvalSetMetrics } from './evaluation';
import type { Slices } from './slices';
import type { LearningCurve } from './learning-curve';
import type { EpochStats } from './train-head';
import { queueSingleJob } from '../queue/jobs';

export const TRAIN_JOB = 'train';

export const trainPayloadSchema = z.object({
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(DEFAULT_SEED),
  config: z
    .object({
      hidden: z.number().int().min(0).max(2048),
      dropout: z.number().min(0).max(0.9),
      learningRate: z.number().positive().max(1),
      l2: z.number().min(0).max(1),
      batchSize: z.number().int().min(1).max(4096),
      maxEpochs: z.number().int().min(1).max(1000),
      patience: z.number().int().min(1).max(1000),
      useAge: z.boolean(),
      weighting: z.enum(WEIGHTINGS),
      /** Augmented views of each training face (lib/features/views.ts); [] trains on plain + mirrored only. */
      views: z.array(z.enum(VIEW_NAMES)).max(VIEW_NAMES.length),
      viewShare: z.number().min(0).max(1),
      viewSeed: z.number().int().min(0).max(2 ** 31 - 1),
    })
    .partial()
    .default({}),
  /** Test-time augmentation: average the mirrored crop's prediction in. */
  mirrorTta: z.boolean().default(true),
  /** The backbone: `faceres` ("Fast", default) or `faceres+deep` ("Accurate", lib/inference/backbone.ts). */
  backbone: z.enum(BACKBONE_KINDS).default('faceres'),
});

export type TrainProgress = {
  step: 'snapshot' | 'split' | 'features' | 'train' | 'evaluate' | 'save' | 'promote' | 'done';
  runId?: string;
  message?: string;
  features?: { done: number; total: number };
  epoch?: number;
  maxEpochs?: number;
  history?: EpochStats[];
};

export type RunMetrics = Metrics & {
  comparison: {
    promotedRunId: string | null;
    promotedMacroF1: number | null;
    promoted: boolean;
    reason: string;
    /** Accuracy on each evaluation set, this run's and the promoted model's on the same faces (runs since evaluation sets). */
    evalSets?: { name: string; accuracy: number; promotedAccuracy: number }[];
  };
  /** Slices of the test split (absent in runs before slices). */
  slices?: Slices;
  /** Scores on each evaluation set, by name (absent in runs before evaluation sets). */
  evalSets?: Record<string, EvalSetMetrics>;
  /** The head retrained on 25/50/75/100% of the training split, scored on the test split and each evaluation set (runs since issue #23). */
  learningCurve?: LearningCurve;
};

/** Queues a retrain (admins only: checked by the caller). One queued or running train job at a time. */
export async function queueRetrain(db: Db, actorId: string | null, payload: Partial<z.input<typeof trainPayloadSchema>> = {}) {
  return queueSingleJob(db, TRAIN_JOB, actorId, trainPayloadSchema.parse(payload), { maxAttempts: 2 });
}

