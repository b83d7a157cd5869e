import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { actorSchema } from '@/app/_server/api-schemas';

export const GET = apiRoute(
  {
    role: 'viewer',
    summary: 'Who you are',
    description: 'The signed-in user (or the API token\'s owner): `{ user: { id, email, name, role } }`.',
    responses: { 200: { description: 'You', schema: z.object({ user: actorSchema }) } },
  },
  async ({ actor }) => ({ user: actor }),
);
