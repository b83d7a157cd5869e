import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { queueRetrain } from '@/lib/training/queue';

const body = z.object({ seed: z.number().int().min(0).optional() }).strict();

/** Queues a retrain (admin). Returns the job id; `alreadyQueued` when one was queued or running. */
export const POST = apiRoute({ role: 'admin', body }, async ({ actor, body }) => {
  const { job, alreadyQueued } = await queueRetrain(db(), actor.id, body);
  return { jobId: job.id, alreadyQueued };
});
