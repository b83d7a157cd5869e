import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { rollback } from '@/lib/training/promote';

export const POST = apiRoute(
  {
    role: 'admin',
    // Nothing to say, but a JSON body all the same: a stray POST (no body) changes nothing.
    body: z.object({}).strict().meta({ description: 'Send `{}`' }),
    summary: 'Roll back to the previous model',
    description: 'Promotes again the run that was promoted before the current one (as the Training page\'s Roll back button does).',
    responses: {
      200: { description: 'Rolled back', schema: z.object({ runId: z.string().meta({ description: 'The run now promoted' }) }) },
      409: 'No model is promoted, or there is no earlier one',
    },
  },
  async () => ({ runId: (await rollback(db())).id }),
);
