'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { changeOwnPassword } from '@/lib/auth/users';
import { UserError } from '@/lib/auth/roles';
import { createToken, revokeToken } from '@/lib/auth/tokens';

export const changePasswordAction = serverAction(
  { role: 'viewer', input: z.object({ current: z.string(), next: z.string(), confirm: z.string() }) },
  async ({ current, next, confirm }, actor) => {
    if (next !== confirm) throw new UserError('The new passwords do not match');
    await changeOwnPassword(db(), actor.id, current, next);
  },
);

export const createTokenAction = serverAction({ role: 'viewer', input: z.object({ name: z.string() }) }, async ({ name }, actor) => {
  const t = await createToken(db(), actor.id, name);
  revalidatePath('/account');
  return t;
});

export const revokeTokenAction = serverAction({ role: 'viewer', input: z.object({ id: z.string() }) }, async ({ id }, actor) => {
  await revokeToken(db(), actor.id, id);
  revalidatePath('/account');
});
