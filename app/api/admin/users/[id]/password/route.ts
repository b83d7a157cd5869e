import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { resetPassword } from '@/lib/auth/users';

export const POST = apiRoute<never, { id: string }>(
  {
    role: 'admin',
    summary: "Reset a user's password",
    description: 'Sets a generated password, answered once; ends all the account\'s sessions and API tokens.',
    responses: { 200: { description: 'The new password', schema: z.object({ password: z.string().meta({ description: 'Shown only here' }) }) }, 404: 'No such user' },
  },
  async ({ params }) => ({ password: await resetPassword(db(), params.id) }),
);
