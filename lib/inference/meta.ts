/**
 * A model's meta.json: the one model-metadata type, validated once with zod when it is read (`parseModelMeta`).
 * The fields inference needs (classes, backbone, preprocessing) are required; what the training job records
 * about the run (head configuration, metrics, snapshot, …) is optional, so hand-made or older models load.
 */
import { z } from 'zod';
import { BACKBONE_KINDS } from './backbone';

/**
 * How training weighs samples (lib/training/weights.ts): `class` = inverse class frequency; `class+gender` = classes
 * equal, and within a class the backbone's apparent men and women equal; `+source` = also each source within those.
 */
export const WEIGHTINGS = ['class', 'class+gender', 'class+gender+source'] as const;
export type Weighting = (typeof WEIGHTINGS)[number];

/**
 * Augmented views of each training face (lib/features/views.ts) a recipe trains on besides the plain and mirrored
 * crop. Training only: inference never computes them.
 */
export const VIEW_NAMES = ['lowres', 'blur', 'jpeg', 'colour', 'shift', 'mix1', 'mix2', 'mix3', 'mix4'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

export const headConfigSchema = z.object({
  /** Hidden units; 0 = no hidden layer (dropout on the features, then softmax). */
  hidden: z.number().int().min(0),
  dropout: z.number().min(0).lt(1),
  learningRate: z.number().positive(),
  /** L2 penalty on the kernels. */
  l2: z.number().min(0),
  batchSize: z.number().int().positive(),
  maxEpochs: z.number().int().positive(),
  /** Stop after this many epochs without a better validation loss. */
  patience: z.number().int().positive(),
  /** Add the backbone's age estimate (years / 100) as an extra input. */
  useAge: z.boolean(),
  /** Sample weighting used in training (informational for inference; absent in older models: `class`). */
  weighting: z.enum(WEIGHTINGS).optional(),
  /** Augmented views of each training face it was trained on (absent: none; informational for inference). */
  views: z.array(z.enum(VIEW_NAMES)).optional(),
  /**
   * How often an epoch shows a face as one of its augmented views rather than its plain or mirrored crop (0..1;
   * absent: uniformly among plain, mirrored and every view).
   */
  viewShare: z.number().min(0).max(1).optional(),
  /** The seed of the views' random changes (absent: 1337). */
  viewSeed: z.number().int().optional(),
});
export type HeadConfig = z.infer<typeof headConfigSchema>;

export const modelMetaSchema = z.object({
  runId: z.string().optional(),
  /** In the order of the head's softmax outputs. */
  classes: z.array(z.string()).min(1).readonly(),
  /** BACKBONE_ID of the features the head was trained on (`backboneId(backboneKind)`). */
  backbone: z.string(),
  /**
   * Which backbone computes the features: `faceres` (default, "Fast"; absent in older metas) or `faceres+deep`
   * ("Accurate": faceres + faceres-deep + gear's age bins, see lib/inference/backbone.ts).
   */
  backboneKind: z.enum(BACKBONE_KINDS).optional(),
  preprocessing: z.object({
    /** Where the features came from (informational). */
    input: z.string().optional(),
    /** Features are L2-normalised (always true). */
    l2: z.literal(true),
    /** The backbone's age estimate / 100 is appended to the features. */
    useAge: z.boolean(),
    /** Probabilities are averaged over the crop and its mirror image. */
    mirrorTta: z.boolean().default(false),
    /**
     * The feature vector's blocks (`featureLayout(backboneKind)`), each L2-normalised on its own where `l2`;
     * absent (older metas, faceres): the whole vector is one L2 block.
     */
    layout: z.array(z.object({ name: z.string(), dim: z.number().int().positive(), l2: z.boolean() })).optional(),
    /** Head input length: feature dim + (useAge ? 1 : 0). */
    dim: z.number().int().positive(),
  }),
  head: headConfigSchema.optional(),
  bestEpoch: z.number().optional(),
  seed: z.number().optional(),
  /** The run's test metrics (see lib/training/metrics.ts). */
  metrics: z.record(z.string(), z.unknown()).nullable().optional(),
  snapshot: z.object({ faces: z.number(), perSplit: z.record(z.string(), z.number()) }).optional(),
  createdBy: z.string().nullable().optional(),
  createdAt: z.string().optional(),
});
export type ModelMeta = z.infer<typeof modelMetaSchema>;

/** Validates a parsed meta.json; `source` names the file in the error. */
export function parseModelMeta(json: unknown, source: string): ModelMeta {
  const r = modelMetaSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${source} lacks classes or preprocessing (dim, useAge, mirrorTta) or is malformed: ${issues}`);
  }
  return r.data;
}
