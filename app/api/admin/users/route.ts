import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { userSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { createUser, listUsers, newUserSchema } from '@/lib/auth/users';

export const GET = apiRoute(
  {
    role: 'admin',
    summary: 'List the user accounts',
    description: 'Every account: id, email, name, role, disabled, createdAt, oldest first.',
    responses: { 200: { description: 'The accounts', schema: z.object({ users: z.array(userSchema) }) } },
  },
  async () => ({ users: await listUsers(db()) }),
);

export const POST = apiRoute(
  {
    role: 'admin',
    body: newUserSchema,
    summary: 'Create a user account',
    description: 'Answers 201 `{ user, password }`; `password` is the generated one when none was sent (shown only here).',
    responses: { 201: { description: 'Created', schema: z.object({ user: userSchema, password: z.string().optional().meta({ description: 'The generated password, when none was sent' }) }) }, 409: 'An account with this e-mail exists' },
  },
  async ({ body }) => {
    const { user, password } = await createUser(db(), body);
    return Response.json({ user, password }, { status: 201 });
  },
);
