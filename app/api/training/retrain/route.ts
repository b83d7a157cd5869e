import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { queueRetrain } from '@/lib/training/queue';

const body = z.object({ seed: z.number().int().min(0).optional().meta({ description: 'Random seed of the split and the training (default: a fixed one)' }) }).strict();

export const POST = apiRoute(
  {
    role: 'admin',
    body,
    summary: 'Queue a retrain',
    description: 'Queues a train job for the worker. `alreadyQueued` when one was queued or running (its id is returned).',
    responses: { 200: { description: 'Queued', schema: z.object({ jobId: z.string(), alreadyQueued: z.boolean() }) } },
  },
  async ({ actor, body }) => {
    const { job, alreadyQueued } = await queueRetrain(db(), actor.id, body);
    return { jobId: job.id, alreadyQueued };
  },
);
