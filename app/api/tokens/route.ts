// Your API tokens: list them, or create one (the token itself is answered once).
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { newTokenSchema, tokenSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { createToken, listTokens, tokenExpiresAt } from '@/lib/auth/tokens';
import { LIMIT_MESSAGES, MAX_TOKEN_NAME_LENGTH } from '@/lib/auth/limits';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'viewer',
    summary: 'List your API tokens',
    description: 'Your tokens, newest first (never the tokens themselves): name, created, last used, expiry, and `revoked` for those a password change ended.',
    responses: { 200: { description: 'Your tokens', schema: z.object({ tokens: z.array(tokenSchema) }) } },
  },
  async ({ actor }) => ({ tokens: await listTokens(db(), actor.id) }),
);

const body = z
  .object({
    name: z.string().trim().min(1, LIMIT_MESSAGES.tokenName).max(MAX_TOKEN_NAME_LENGTH, LIMIT_MESSAGES.tokenName).meta({ description: 'What the token is for' }),
    expiry: z.enum(['never', '30', '90', 'date']).default('90').meta({ description: 'never, 30 or 90 days, or the end of `date` (UTC)' }),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date: YYYY-MM-DD').optional().meta({ description: 'With expiry "date": the last day it works, YYYY-MM-DD' }),
  })
  .strict();

export const POST = apiRoute(
  {
    role: 'viewer',
    // A leaked short-lived token must not be able to mint a lasting one.
    sessionOnly: true,
    body,
    summary: 'Create an API token',
    description:
      'A token for scripts (`Authorization: Bearer mlk_…`), acting as you with your role, until it expires, you revoke it or your password changes. Answers 201 with the token: it is shown only here. Needs a signed-in session: a token cannot make tokens (a leaked short-lived one would otherwise outlive itself); on the server, `npm run cli -- token create`.',
    responses: { 201: { description: 'Created', schema: newTokenSchema }, 403: 'Called with an API token, not a session (or the role is too low)' },
  },
  async ({ actor, body: { name, expiry, date } }) => {
    const expiresAt = tokenExpiresAt(expiry === 'date' ? { expiry, date: date ?? '' } : { expiry });
    const t = await createToken(db(), actor.id, name, expiresAt);
    return Response.json({ ...t, expiresAt: expiresAt?.toISOString() ?? null }, { status: 201 });
  },
);
