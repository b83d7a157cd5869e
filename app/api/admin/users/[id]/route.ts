import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { userSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { roleSchema } from '@/lib/auth/roles';
import { updateUser } from '@/lib/auth/users';

const body = z
  .object({
    role: roleSchema.optional().meta({ description: 'The new role' }),
    disabled: z.boolean().optional().meta({ description: 'true: the account cannot sign in, and its sessions and API tokens end for good' }),
  })
  .strict()
  .refine((b) => b.role !== undefined || b.disabled !== undefined, 'Send role, disabled or both');

export const PATCH = apiRoute<typeof body, { id: string }>(
  {
    role: 'admin',
    body,
    summary: 'Change a user account',
    description: "Its role and/or whether it is disabled, as the Users page does. You cannot take away your own admin role or disable yourself, and the last active admin stays one.",
    responses: { 200: { description: 'The account now', schema: userSchema }, 404: 'No such user', 409: 'This is the last active admin' },
  },
  async ({ actor, body, params }) => updateUser(db(), actor, params.id, body),
);
