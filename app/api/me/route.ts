import { apiRoute } from '@/app/_server/guard';

export const GET = apiRoute(
  { role: 'viewer', summary: 'Who you are', description: 'The signed-in user (or the API token\'s owner): `{ user: { id, email, name, role } }`.' },
  async ({ actor }) => ({ user: actor }),
);
