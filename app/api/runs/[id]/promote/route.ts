import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { promote } from '@/lib/training/promote';

export const POST = apiRoute<never, { id: string }>(
  {
    role: 'admin',
    summary: 'Promote a run',
    description:
      "Makes the run's model the one predictions, the live preview and suggestions use (as the run page's Promote button does); a `model.promoted` webhook is sent and suggestions are recomputed.",
    responses: {
      200: { description: 'Promoted', schema: z.object({ runId: z.string().meta({ description: 'The run now promoted' }) }) },
      404: 'No such run',
      409: 'The run has no saved model (it failed, or is still running)',
    },
  },
  async ({ params }) => {
    await promote(db(), params.id);
    return { runId: params.id };
  },
);
