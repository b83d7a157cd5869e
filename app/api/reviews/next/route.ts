import { apiRoute } from '@/app/_server/guard';
import { nextReviewSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { nextReview, pendingReviewCount } from '@/lib/dataset/reviews';

export const dynamic = 'force-dynamic';

// A GET that claims: the same as opening the Reviews page, which hands the review to its reader.
export const GET = apiRoute(
  {
    role: 'labeler',
    summary: 'Your next blind second opinion',
    description:
      'The review to answer next (claimed for you, as opening the Reviews page does), with its face, blind: the first label is not shown. Answer with `POST /api/reviews/{id}/answer`. `review` is null when there is none.',
    responses: { 200: { description: 'The next review', schema: nextReviewSchema } },
  },
  async ({ actor }) => {
    const [review, waiting] = await Promise.all([nextReview(db(), actor), pendingReviewCount(db(), actor)]);
    return { review, waiting };
  },
);
