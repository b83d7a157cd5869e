import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { redeliver } from '@/lib/webhooks/hooks';

export const POST = apiRoute<never, { id: string }>(
  {
    role: 'admin',
    summary: 'Redeliver a delivery',
    description: 'Sends the same body again as a new delivery (as the Webhooks page\'s Redeliver button does).',
    responses: {
      200: { description: 'Queued', schema: z.object({ deliveryId: z.string().meta({ description: 'The new delivery' }) }) },
      400: 'The webhook is disabled',
      404: 'No such delivery',
    },
  },
  async ({ params }) => redeliver(db(), params.id),
);
