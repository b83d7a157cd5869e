import { apiRoute } from '@/app/_server/guard';
import { secretSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { rotateWebhookSecret } from '@/lib/webhooks/hooks';

export const POST = apiRoute<never, { id: string }>(
  {
    role: 'admin',
    summary: "Rotate a webhook's secret",
    description: 'A new signing secret, answered once; deliveries are signed with it from now on.',
    responses: { 200: { description: 'The new secret', schema: secretSchema }, 404: 'No such webhook' },
  },
  async ({ params }) => ({ secret: await rotateWebhookSecret(db(), params.id) }),
);
