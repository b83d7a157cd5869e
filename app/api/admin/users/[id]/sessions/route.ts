// An account's sessions, for an admin: list them, or end them all.
import { z } from 'zod';
import { apiRoute, currentSessionId } from '@/app/_server/guard';
import { sessionSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { describeSessions, listUserSessions, revokeUserSessions } from '@/lib/auth/sessions';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<never, { id: string }>(
  {
    role: 'admin',
    summary: "List a user's sessions",
    description: 'The account\'s signed-in browser sessions, most recently used first: `{ sessions: [{ id, createdAt, lastSeenAt, userAgent, address, current }] }`.',
    responses: { 200: { description: 'The sessions', schema: z.object({ sessions: z.array(sessionSchema) }) }, 404: 'No such user' },
  },
  async ({ params }) => ({ sessions: describeSessions(await listUserSessions(db(), params.id), await currentSessionId()) }),
);

export const DELETE = apiRoute<never, { id: string }>(
  {
    role: 'admin',
    summary: "End all of a user's sessions",
    description:
      'Signs the account out of every browser (your own session excepted, when it is yours). API tokens keep working; a password reset ends those too. Answers `{ revoked }`.',
    responses: { 200: { description: 'How many ended', schema: z.object({ revoked: z.number().int().min(0) }) }, 404: 'No such user' },
  },
  async ({ params }) => ({ revoked: await revokeUserSessions(db(), params.id, await currentSessionId()) }),
);
