'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { currentSessionId, serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { changeOwnPassword } from '@/lib/auth/users';
import { UserError } from '@/lib/errors';
import { createToken, revokeToken, tokenExpiresAt } from '@/lib/auth/tokens';
import { revokeOtherSessions, revokeSession } from '@/lib/auth/sessions';
import { LIMIT_MESSAGES, MAX_PASSWORD_INPUT_LENGTH, MAX_TOKEN_NAME_LENGTH } from '@/lib/auth/limits';
import { reissueSession } from '@/app/_server/auth';

const passwordInput = z.string().max(MAX_PASSWORD_INPUT_LENGTH, LIMIT_MESSAGES.password);

export const changePasswordAction = serverAction(
  { role: 'viewer', input: z.object({ current: passwordInput, next: passwordInput, confirm: passwordInput }) },
  async ({ current, next, confirm }, actor) => {
    if (next !== confirm) throw new UserError('The new passwords do not match');
    // Ends every session and API token of the user; this session is re-issued, so the
    // user stays signed in here (or is told to sign in again).
    const { sessionVersion } = await changeOwnPassword(db(), actor.id, current, next, { keepSessionId: await currentSessionId() });
    const kept = await reissueSession(sessionVersion);
    return { signedOut: !kept };
  },
);

export const createTokenAction = serverAction(
  { role: 'viewer', input: z.object({ name: z.string().max(MAX_TOKEN_NAME_LENGTH, LIMIT_MESSAGES.tokenName), expiry: z.enum(['never', '30', '90', 'date']).default('90'), date: z.string().optional() }) },
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

export const revokeSessionAction = serverAction({ role: 'viewer', input: z.object({ id: z.string().min(1).max(100) }) }, async ({ id }, actor) => {
  if (id === (await currentSessionId())) throw new UserError('This is the session you are using: sign out instead');
  await revokeSession(db(), actor.id, id);
  revalidatePath('/account');
});

/** "Sign out everywhere else": every session of yours but this one. */
export const revokeOtherSessionsAction = serverAction({ role: 'viewer', input: z.object({}) }, async (_input, actor) => {
  const revoked = await revokeOtherSessions(db(), actor.id, await currentSessionId());
  revalidatePath('/account');
  return { revoked };
});
