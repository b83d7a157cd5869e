'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { assignLabels, labelSchema } from '@/lib/dataset/labels';
import { keepLabel, queueLabelErrors } from '@/lib/label-errors/db';

const faceId = z.string().min(1).max(100);

export const findLabelErrorsAction = serverAction({ role: 'admin', input: z.object({}) }, async (_input, actor) => {
  const { job, alreadyQueued } = await queueLabelErrors(db(), actor.id);
  revalidatePath('/reviews/label-errors');
  return { jobId: job.id, alreadyQueued };
});

export const keepLabelAction = serverAction({ role: 'labeler', input: z.object({ faceId }) }, async ({ faceId }, actor) => {
  await keepLabel(db(), actor, faceId);
  revalidatePath('/reviews/label-errors');
});

/** Relabels through the normal labelling path (history kept); the face's label-error row goes with the old label. */
export const relabelAction = serverAction({ role: 'labeler', input: z.object({ faceId, label: labelSchema }) }, async ({ faceId, label }, actor) => {
  const { changed } = await assignLabels(db(), actor, [faceId], label);
  revalidatePath('/reviews/label-errors');
  return { changed: changed.length };
});
