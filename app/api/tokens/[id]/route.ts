import { apiRoute } from '@/app/_server/guard';
import { okSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { revokeToken } from '@/lib/auth/tokens';

export const DELETE = apiRoute<never, { id: string }>(
  {
    role: 'viewer',
    summary: 'Revoke one of your API tokens',
    description: 'The token stops working at once. A token may revoke itself.',
    responses: { 200: { description: 'Revoked', schema: okSchema }, 404: 'No such token (of yours)' },
  },
  async ({ actor, params }) => {
    await revokeToken(db(), actor.id, params.id);
    return { ok: true };
  },
);
