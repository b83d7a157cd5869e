// Outgoing webhooks (admin): list them with the recent deliveries, or add one.
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { deliverySchema, webhookSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { createWebhook, listDeliveries, listWebhooks, newWebhookSchema } from '@/lib/webhooks/hooks';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'admin',
    summary: 'List webhooks and recent deliveries',
    description: 'Every webhook (secrets are never listed; the one from MASKLAB_WEBHOOK_URL has `id: null`) and the 50 newest deliveries with their attempts, as the Webhooks page shows them.',
    responses: { 200: { description: 'Webhooks and deliveries', schema: z.object({ webhooks: z.array(webhookSchema), deliveries: z.array(deliverySchema) }) } },
  },
  async () => {
    const [webhooks, deliveries] = await Promise.all([listWebhooks(db()), listDeliveries(db(), { take: 50 })]);
    return { webhooks, deliveries };
  },
);

export const POST = apiRoute(
  {
    role: 'admin',
    body: newWebhookSchema,
    summary: 'Add a webhook',
    description:
      'POSTs the chosen events, signed with its secret (answered once, here), to `url`. A destination on this host or a private network is refused unless listed in MASKLAB_WEBHOOK_ALLOW_HOSTS.',
    responses: {
      201: { description: 'Created', schema: z.object({ id: z.string(), secret: z.string().meta({ description: 'The signing secret: shown only here' }) }) },
    },
  },
  async ({ actor, body }) => Response.json(await createWebhook(db(), body, actor.id), { status: 201 }),
);
