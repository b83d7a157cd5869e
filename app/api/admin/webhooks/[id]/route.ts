import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { okSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { webhookEventsSchema } from '@/lib/webhooks/events';
import { deleteWebhook, setWebhookEnabled, setWebhookEvents } from '@/lib/webhooks/hooks';

const body = z
  .object({
    enabled: z.boolean().optional().meta({ description: 'false: nothing is sent to it (deliveries due are kept)' }),
    events: webhookEventsSchema.optional().meta({ description: 'The events it receives' }),
  })
  .strict()
  .refine((b) => b.enabled !== undefined || b.events !== undefined, 'Send enabled, events or both');

export const PATCH = apiRoute<typeof body, { id: string }>(
  {
    role: 'admin',
    body,
    summary: 'Change a webhook',
    description: 'Enable or disable it, or choose its events, as the Webhooks page does.',
    responses: { 200: { description: 'Changed', schema: okSchema }, 404: 'No such webhook' },
  },
  async ({ body, params }) => {
    if (body.events !== undefined) await setWebhookEvents(db(), params.id, body.events);
    if (body.enabled !== undefined) await setWebhookEnabled(db(), params.id, body.enabled);
    return { ok: true };
  },
);

export const DELETE = apiRoute<never, { id: string }>(
  {
    role: 'admin',
    summary: 'Delete a webhook',
    description: 'With its deliveries.',
    responses: { 200: { description: 'Deleted', schema: okSchema }, 404: 'No such webhook' },
  },
  async ({ params }) => {
    await deleteWebhook(db(), params.id);
    return { ok: true };
  },
);
