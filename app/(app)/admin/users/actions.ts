'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { currentSessionId, serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { roleSchema } from '@/lib/auth/roles';
import { createUser, newUserSchema, resetPassword, updateUser } from '@/lib/auth/users';
import { revokeSession, revokeUserSessions } from '@/lib/auth/sessions';

const id = z.string().min(1);

export const createUserAction = serverAction({ role: 'admin', input: newUserSchema }, async (input) => {
  const { user, password } = await createUser(db(), input);
  revalidatePath('/admin/users');
  return { email: user.email, password };
});

export const setRoleAction = serverAction({ role: 'admin', input: z.object({ id, role: roleSchema }) }, async ({ id, role }, actor) => {
  await updateUser(db(), actor, id, { role });
  revalidatePath('/admin/users');
});

export const setDisabledAction = serverAction(
  { role: 'admin', input: z.object({ id, disabled: z.boolean() }) },
  async ({ id, disabled }, actor) => {
    await updateUser(db(), actor, id, { disabled });
    revalidatePath('/admin/users');
  },
);

export const resetPasswordAction = serverAction({ role: 'admin', input: z.object({ id }) }, async ({ id }) => {
  return { password: await resetPassword(db(), id) };
});

export const revokeUserSessionAction = serverAction(
  { role: 'admin', input: z.object({ userId: id, id: z.string().min(1).max(100) }) },
  async ({ userId, id }) => {
    await revokeSession(db(), userId, id);
    revalidatePath('/admin/users');
  },
);

/** Signs the user out of every browser (the admin's own session excepted). */
export const revokeUserSessionsAction = serverAction({ role: 'admin', input: z.object({ userId: id }) }, async ({ userId }) => {
  const revoked = await revokeUserSessions(db(), userId, await currentSessionId());
  revalidatePath('/admin/users');
  return { revoked };
});
