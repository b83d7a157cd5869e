'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { roleSchema } from '@/lib/auth/roles';
import { UserError } from '@/lib/errors';
import { createUser, newUserSchema, resetPassword, setDisabled, setRole } from '@/lib/auth/users';

const id = z.string().min(1);

export const createUserAction = serverAction({ role: 'admin', input: newUserSchema }, async (input) => {
  const { user, password } = await createUser(db(), input);
  revalidatePath('/admin/users');
  return { email: user.email, password };
});

export const setRoleAction = serverAction({ role: 'admin', input: z.object({ id, role: roleSchema }) }, async ({ id, role }, actor) => {
  if (id === actor.id && role !== 'admin') throw new UserError('You cannot take away your own admin role');
  await setRole(db(), id, role);
  revalidatePath('/admin/users');
});

export const setDisabledAction = serverAction(
  { role: 'admin', input: z.object({ id, disabled: z.boolean() }) },
  async ({ id, disabled }, actor) => {
    if (id === actor.id && disabled) throw new UserError('You cannot disable your own account');
    await setDisabled(db(), id, disabled);
    revalidatePath('/admin/users');
  },
);

export const resetPasswordAction = serverAction({ role: 'admin', input: z.object({ id }) }, async ({ id }) => {
  return { password: await resetPassword(db(), id) };
});
