import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { queueRetrain } from '@/lib/training/queue';
import { BACKBONE_CHOICES, type BackboneChoice } from '@/lib/inference/backbone';

const body = z
  .object({
    seed: z.number().int().min(0).optional(),
    /** "fast" (faceres, default) or "accurate" (faceres + faceres-deep + gear; slower features, see README). */
    backbone: z.enum(Object.keys(BACKBONE_CHOICES) as [BackboneChoice, ...BackboneChoice[]]).optional(),
  })
  .strict();

/** Queues a retrain (admin). Returns the job id; `alreadyQueued` when one was queued or running. */
export const POST = apiRoute({ role: 'admin', body }, async ({ actor, body }) => {
  const { job, alreadyQueued } = await queueRetrain(db(), actor.id, {
    ...(body.seed === undefined ? {} : { seed: body.seed }),
    ...(body.backbone === undefined ? {} : { backbone: BACKBONE_CHOICES[body.backbone] }),
  });
  return { jobId: job.id, alreadyQueued };
});
