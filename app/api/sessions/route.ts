// Your own sessions (signed-in browsers): list them, or sign out everywhere else.
import { z } from 'zod';
import { apiRoute, currentSessionId } from '@/app/_server/guard';
import { sessionSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { describeSessions, listSessions, revokeOtherSessions } from '@/lib/auth/sessions';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'viewer',
    summary: 'List your sessions',
    description:
      'Your signed-in browser sessions, most recently used first: `{ sessions: [{ id, createdAt, lastSeenAt, userAgent, address, current }] }`; `current` marks the one this request came with (none for an API token). API tokens are not sessions (`GET /api/tokens`).',
    responses: { 200: { description: 'Your sessions', schema: z.object({ sessions: z.array(sessionSchema) }) } },
  },
  async ({ actor }) => ({ sessions: describeSessions(await listSessions(db(), actor.id), await currentSessionId()) }),
);

const revokedSchema = z.object({ revoked: z.number().int().min(0).meta({ description: 'Sessions ended' }) });

/** An explicit body, so that a stray DELETE does not sign anyone out. */
const othersBody = z.object({
  others: z.literal(true, { message: 'Send { "others": true } to end your other sessions' }).meta({ description: 'Must be true: end every session but this one' }),
});

export const DELETE = apiRoute(
  {
    role: 'viewer',
    body: othersBody,
    summary: 'Sign out everywhere else',
    description:
      'With `{ "others": true }`: ends all your sessions but the one this request came with (with an API token: all of them). Answers `{ revoked }`, how many ended.',
    responses: { 200: { description: 'How many ended', schema: revokedSchema } },
  },
  async ({ actor }) => ({ revoked: await revokeOtherSessions(db(), actor.id, await currentSessionId()) }),
);
