import { apiRoute } from '@/app/_server/guard';
import { okSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { revokeSession } from '@/lib/auth/sessions';

export const DELETE = apiRoute<never, { id: string }>(
  {
    role: 'viewer',
    summary: 'End one of your sessions',
    description: 'Signs that browser out: its cookie is refused from the next request on, on every app instance.',
    responses: { 200: { description: 'Ended', schema: okSchema }, 404: 'No such session' },
  },
  async ({ actor, params }) => {
    await revokeSession(db(), actor.id, params.id);
    return { ok: true };
  },
);
