import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { createUser, listUsers, newUserSchema } from '@/lib/auth/users';

export const GET = apiRoute({ role: 'admin' }, async () => ({ users: await listUsers(db()) }));

export const POST = apiRoute({ role: 'admin', body: newUserSchema }, async ({ body }) => {
  const { user, password } = await createUser(db(), body);
  return Response.json({ user, password }, { status: 201 });
});
