'use server';

import { revalidatePath } from 'next/cache';
import { serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { z } from 'zod';
import { setTargets, targetsSchema } from '@/lib/dataset/balance';
import { queueFeatures } from '@/lib/features/queue';

export const setTargetsAction = serverAction({ role: 'admin', input: targetsSchema }, async (input, actor) => {
  const targets = await setTargets(db(), actor, input);
  revalidatePath('/dashboard');
  return targets;
});

export const computeApparentAction = serverAction({ role: 'admin', input: z.object({}) }, async (_input, actor) => {
  const { job, alreadyQueued } = await queueFeatures(db(), actor.id);
  revalidatePath('/dashboard');
  return { jobId: job.id, alreadyQueued };
});
