import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { queuedSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { queueRetrain } from '@/lib/training/queue';
import { BACKBONE_CHOICES, type BackboneChoice } from '@/lib/inference/backbone';

const body = z
  .object({
    seed: z.number().int().min(0).optional().meta({ description: 'Random seed of the split and the training (default: a fixed one)' }),
    backbone: z
      .enum(Object.keys(BACKBONE_CHOICES) as [BackboneChoice, ...BackboneChoice[]])
      .optional()
      .meta({ description: '"fast" (faceres, the default) or "accurate" (faceres + faceres-deep + gear: better on cross-validation, about 3x the feature time per face; see docs/training.md)' }),
  })
  .strict();

export const POST = apiRoute(
  {
    role: 'admin',
    body,
    summary: 'Queue a retrain',
    description: 'Queues a train job for the worker. `alreadyQueued` when one was queued or running (its id is returned).',
    responses: { 200: { description: 'Queued', schema: queuedSchema } },
  },
  async ({ actor, body }) => {
    const { job, alreadyQueued } = await queueRetrain(db(), actor.id, {
      ...(body.seed === undefined ? {} : { seed: body.seed }),
      ...(body.backbone === undefined ? {} : { backbone: BACKBONE_CHOICES[body.backbone] }),
    });
    return { jobId: job.id, alreadyQueued };
  },
);
