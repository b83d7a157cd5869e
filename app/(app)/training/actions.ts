'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { cancel } from '@/lib/queue/jobs';
import { promote, rollback } from '@/lib/models/registry';
import { queueRetrain } from '@/lib/training/queue';

const id = z.string().min(1).max(64);

export const retrainAction = serverAction({ role: 'admin', input: z.object({}) }, async (_input, actor) => {
  const { job, alreadyQueued } = await queueRetrain(db(), actor.id);
  revalidatePath('/training');
  return { jobId: job.id, alreadyQueued };
});

export const cancelJobAction = serverAction({ role: 'admin', input: z.object({ id }) }, async ({ id }) => {
  const r = await cancel(db(), id);
  revalidatePath('/training');
  return r;
});

export const promoteAction = serverAction({ role: 'admin', input: z.object({ id }) }, async ({ id }) => {
  await promote(db(), id);
  revalidatePath('/training');
  revalidatePath(`/training/${id}`);
  return { id };
});

export const rollbackAction = serverAction({ role: 'admin', input: z.object({}) }, async () => {
  const run = await rollback(db());
  revalidatePath('/training');
  return { id: run.id };
});
