// Blind second opinions, admin side: the disagreements to resolve and the counts; ask for more.
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { disagreementsSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { DEFAULT_REVIEW_SHARE, listDisagreements, requestReviews, reviewCounts, shareSchema } from '@/lib/dataset/reviews';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'admin',
    summary: 'Disagreements to resolve',
    description: 'The answered second opinions that differ from the first label (oldest first, at most 50) with both labels and who gave them, and the review counts by status.',
    responses: { 200: { description: 'Disagreements and counts', schema: disagreementsSchema } },
  },
  async () => {
    const [{ items, total }, counts] = await Promise.all([listDisagreements(db()), reviewCounts(db())]);
    return { items, total, counts };
  },
);

export const POST = apiRoute(
  {
    role: 'admin',
    body: z.object({ share: shareSchema.default(DEFAULT_REVIEW_SHARE).meta({ description: 'The share of labelled faces that should have a second opinion (0–1]' }) }).strict(),
    summary: 'Ask for second opinions',
    description: 'Makes sure `share` of the labelled faces have a second opinion asked for, picking the missing ones at random; asking twice adds nothing.',
    responses: {
      200: {
        description: 'How many were asked for',
        schema: z.object({ created: z.number().int().min(0), reviewed: z.number().int().min(0), labelled: z.number().int().min(0) }),
      },
    },
  },
  async ({ actor, body }) => requestReviews(db(), actor, body.share),
);
