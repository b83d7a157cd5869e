'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { changeOwnPassword } from '@/lib/auth/users';
import { UserError } from '@/lib/errors';
import { createToken, revokeToken, tokenExpiresAt } from '@/lib/auth/tokens';
import { reissueSession } from '@/app/_server/auth';

export const changePasswordAction = serverAction(
  { role: 'viewer', input: z.object({ current: z.string(), next: z.string(), confirm: z.string() }) },
  async ({ current, next, confirm }, actor) => {
    if (next !== confirm) throw new UserError('The new passwords do not match');
    // Ends every session and API token of the user; this session is re-issued, so the
    // user stays signed in here (or is told to sign in again).
    const { sessionVersion } = await changeOwnPassword(db(), actor.id, current, next);
    const kept = await reissueSession(sessionVersion);
    return { signedOut: !kept };
  },
);

export const createTokenAction = serverAction(
  { role: 'viewer', input: z.object({ name: z.string(), expiry: z.enum(['never', '30', '90', 'date']).default('90'), date: z.string().optional() }) },
  async ({ name, expiry, date }, actor) => {
    const expiresAt = tokenExpiresAt(expiry === 'date' ? { expiry, date: date ?? '' } : { expiry });
    const t = await createToken(db(), actor.id, name, expiresAt);
    revalidatePath('/account');
    return { ...t, expiresAt: expiresAt?.toISOString() ?? null };
  },
);

export const revokeTokenAction = serverAction({ role: 'viewer', input: z.object({ id: z.string() }) }, async ({ id }, actor) => {
  await revokeToken(db(), actor.id, id);
  revalidatePath('/account');
});
