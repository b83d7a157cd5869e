'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { cancel } from '@/lib/queue/jobs';
import { promote, rollback } from '@/lib/training/promote';
import { queueRetrain } from '@/lib/training/queue';
import { BACKBONE_CHOICES, type BackboneChoice } from '@/lib/inference/backbone';
import { markBatchAsEvalSet, setRequireNoEvalDrop } from '@/lib/dataset/eval-sets';
import { exportOptionsSchema, queueExport } from '@/lib/export/queue';

const id = z.string().min(1).max(64);

const backboneChoice = z.enum(Object.keys(BACKBONE_CHOICES) as [BackboneChoice, ...BackboneChoice[]]);

/** Queues a retrain on the chosen backbone ("fast", the default, or "accurate"). */
export const retrainAction = serverAction({ role: 'admin', input: z.object({ backbone: backboneChoice.optional() }) }, async ({ backbone }, actor) => {
  const { job, alreadyQueued } = await queueRetrain(db(), actor.id, { backbone: BACKBONE_CHOICES[backbone ?? 'fast'] });
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

export const markEvalSetAction = serverAction(
  { role: 'admin', input: z.object({ batch: z.string().min(1).max(200), name: z.string().trim().min(1).max(80) }) },
  async ({ batch, name }, actor) => {
    const r = await markBatchAsEvalSet(db(), { batch, name, actorId: actor.id });
    revalidatePath('/training');
    revalidatePath('/dashboard');
    return r;
  },
);

export const setRequireNoEvalDropAction = serverAction({ role: 'admin', input: z.object({ on: z.boolean() }) }, async ({ on }) => {
  await setRequireNoEvalDrop(db(), on);
  revalidatePath('/training');
  return { on };
});

/** Queues a dataset export (a background job) with these options; an export already queued or running is returned instead. */
export const exportAction = serverAction({ role: 'admin', input: exportOptionsSchema }, async (options, actor) => {
  const { job, alreadyQueued } = await queueExport(db(), actor.id, options);
  return { jobId: job.id, alreadyQueued };
});
