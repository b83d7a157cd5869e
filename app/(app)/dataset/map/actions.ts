'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { queueMap } from '@/lib/dataset-map/db';

export const computeMapAction = serverAction({ role: 'admin', input: z.object({}) }, async (_input, actor) => {
  const { job, alreadyQueued } = await queueMap(db(), actor.id);
  revalidatePath('/dataset/map');
  return { jobId: job.id, alreadyQueued };
});
