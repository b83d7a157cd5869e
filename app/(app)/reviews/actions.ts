'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { labelSchema } from '@/lib/dataset/labels';
import { answerReview, requestReviews, resolveReview, shareSchema } from '@/lib/dataset/reviews';

const reviewId = z.string().min(1);

export const requestReviewsAction = serverAction({ role: 'admin', input: z.object({ share: shareSchema }) }, async ({ share }, actor) => {
  const out = await requestReviews(db(), actor, share);
  revalidatePath('/reviews');
  return out;
});

export const answerReviewAction = serverAction({ role: 'labeler', input: z.object({ reviewId, label: labelSchema }) }, async ({ reviewId, label }, actor) => {
  const out = await answerReview(db(), actor, reviewId, label);
  revalidatePath('/reviews');
  return out;
});

export const resolveReviewAction = serverAction({ role: 'admin', input: z.object({ reviewId, label: labelSchema }) }, async ({ reviewId, label }, actor) => {
  await resolveReview(db(), actor, reviewId, label);
  revalidatePath('/reviews');
});
