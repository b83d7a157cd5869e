import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { sendTestEvent } from '@/lib/webhooks/hooks';

export const POST = apiRoute<never, { id: string }>(
  {
    role: 'admin',
    summary: 'Send a test event',
    description: 'Queues a `webhook.test` delivery to this hook, whatever its events; follow it in `GET /api/admin/webhooks`.',
    responses: { 200: { description: 'Queued', schema: z.object({ deliveryId: z.string() }) }, 404: 'No such webhook' },
  },
  async ({ actor, params }) => sendTestEvent(db(), params.id, actor),
);
