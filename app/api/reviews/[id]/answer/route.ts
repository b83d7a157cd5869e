import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { labelEnum } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { answerReview } from '@/lib/dataset/reviews';
import { labelSchema } from '@/lib/dataset/labels';

export const POST = apiRoute<z.ZodObject<{ label: typeof labelSchema }>, { id: string }>(
  {
    role: 'labeler',
    body: z.object({ label: labelSchema.meta({ description: 'Your label for the face' }) }).strict(),
    summary: 'Give a second opinion',
    description: 'Your label for the review\'s face: `agreed` when it matches the first label, else `disagreed` (an admin resolves it).',
    responses: {
      200: { description: 'Recorded', schema: z.object({ status: z.enum(['agreed', 'disagreed']), label: labelEnum }) },
      403: 'The first label is yours (a second opinion must come from someone else)',
      404: 'No such review',
      409: 'Already answered, or given to another labeller',
    },
  },
  async ({ actor, body, params }) => ({ ...(await answerReview(db(), actor, params.id, body.label)), label: body.label }),
);
