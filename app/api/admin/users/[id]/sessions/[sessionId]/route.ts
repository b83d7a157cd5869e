import { apiRoute } from '@/app/_server/guard';
import { okSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { revokeSession } from '@/lib/auth/sessions';

export const DELETE = apiRoute<never, { id: string; sessionId: string }>(
  {
    role: 'admin',
    summary: "End one of a user's sessions",
    description: 'Signs that browser of the account out: its cookie is refused from the next request on.',
    responses: { 200: { description: 'Ended', schema: okSchema }, 404: 'No such session' },
  },
  async ({ params }) => {
    await revokeSession(db(), params.id, params.sessionId);
    return { ok: true };
  },
);
