// Browser sessions, stored so that they can end. next-auth's session is a JWT in a cookie;
// it carries the id of a Session row (`sid`), created at sign-in. The guard accepts the JWT
// only while that row exists, belongs to the JWT's user and is not revoked, so signing out
// (next-auth's signOut event), revoking a session on the Account or Users page, a password
// change or reset, and disabling the account end it on every app instance at once. A JWT
// without `sid` (issued before sessions were stored) is no session: its user signs in again.
import crypto from 'node:crypto';
import type { Db } from '../db';
import { UserError } from '../errors';
import type { Actor } from './roles';
import { loadActor } from './users';
import { MAX_USER_AGENT_LENGTH } from './limits';

/** How long a session lives without being used: the session cookie's lifetime. */
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;
/** lastSeenAt is written at most this often per session (not on every request). */
export const SESSION_TOUCH_MS = 60_000;

export type SessionInfo = { id: string; createdAt: Date; lastSeenAt: Date; userAgent: string | null; address: string | null };
const infoFields = { id: true, createdAt: true, lastSeenAt: true, userAgent: true, address: true } as const;

const idleCutoff = (now: Date) => new Date(now.getTime() - SESSION_MAX_AGE_S * 1000);

/**
 * A new session for a user who just signed in; returns its id for the JWT. Also forgets the
 * user's sessions that ended (revoked or idle) longer than a cookie's lifetime ago.
 */
export async function createSession(
  db: Db,
  userId: string,
  client: { userAgent?: string | null; address?: string | null },
  now = new Date(),
): Promise<string> {
  const cutoff = idleCutoff(now);
  await db.session.deleteMany({ where: { userId, OR: [{ revokedAt: { lt: cutoff } }, { lastSeenAt: { lt: cutoff } }] } });
  const id = crypto.randomBytes(18).toString('base64url');
  const userAgent = client.userAgent?.trim().slice(0, MAX_USER_AGENT_LENGTH) || null;
  await db.session.create({ data: { id, userId, userAgent, address: client.address ?? null, createdAt: now, lastSeenAt: now } });
  return id;
}

/** What the session JWT carries (app/_server/auth.ts): user id, session version, session id. */
export type SessionClaims = { uid?: unknown; sv?: unknown; sid?: unknown };

/**
 * The signed-in user of a session JWT, or null: no session id in it, its Session row missing,
 * revoked, another user's or idle longer than a cookie lives, or (loadActor) the account
 * disabled or the JWT issued under an older sessionVersion. Records the use (lastSeenAt) at
 * most once a minute.
 */
export async function actorFromSession(db: Db, claims: SessionClaims, now = new Date()): Promise<Actor | null> {
  const { uid, sv, sid } = claims;
  if (typeof uid !== 'string' || typeof sid !== 'string' || !sid) return null;
  const row = await db.session.findUnique({ where: { id: sid }, select: { userId: true, revokedAt: true, lastSeenAt: true } });
  if (!row || row.userId !== uid || row.revokedAt || row.lastSeenAt < idleCutoff(now)) return null;
  if (now.getTime() - row.lastSeenAt.getTime() >= SESSION_TOUCH_MS) {
    // Conditional: of several requests at once, one writes.
    const before = new Date(now.getTime() - SESSION_TOUCH_MS);
    await db.session.updateMany({ where: { id: sid, lastSeenAt: { lte: before } }, data: { lastSeenAt: now } });
  }
  return loadActor(db, uid, { sessionVersion: typeof sv === 'number' ? sv : 0 });
}

/** The user's live sessions, most recently used first. */
export async function listSessions(db: Db, userId: string, now = new Date()): Promise<SessionInfo[]> {
  return db.session.findMany({
    where: { userId, revokedAt: null, lastSeenAt: { gte: idleCutoff(now) } },
    select: infoFields,
    orderBy: { lastSeenAt: 'desc' },
  });
}

/** Every account's live sessions in one query, by user id (the Users page). */
export async function liveSessionsByUser(db: Db, now = new Date()): Promise<Map<string, SessionInfo[]>> {
  const rows = await db.session.findMany({
    where: { revokedAt: null, lastSeenAt: { gte: idleCutoff(now) } },
    select: { ...infoFields, userId: true },
    orderBy: { lastSeenAt: 'desc' },
  });
  const out = new Map<string, SessionInfo[]>();
  for (const { userId, ...s } of rows) out.set(userId, [...(out.get(userId) ?? []), s]);
  return out;
}

/** Ends one of the user's sessions; 404 when the user has no such live session. */
export async function revokeSession(db: Db, userId: string, id: string, now = new Date()): Promise<void> {
  const { count } = await db.session.updateMany({ where: { id, userId, revokedAt: null }, data: { revokedAt: now } });
  if (count === 0) throw new UserError('No such session', 404);
}

/** Ends all the user's sessions but `keep` (the caller's own; null: all of them). Returns how many ended. */
export async function revokeOtherSessions(db: Db, userId: string, keep: string | null, now = new Date()): Promise<number> {
  const { count } = await db.session.updateMany({
    where: { userId, revokedAt: null, ...(keep ? { id: { not: keep } } : {}) },
    data: { revokedAt: now },
  });
  return count;
}

/** Sign-out: ends the session with this id, whoever's it is (the id comes from a verified JWT). */
export async function endSession(db: Db, id: string, now = new Date()): Promise<void> {
  await db.session.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
}

async function mustHaveUser(db: Db, userId: string): Promise<void> {
  if (!(await db.user.findUnique({ where: { id: userId }, select: { id: true } }))) throw new UserError('No such user', 404);
}

/** The user's live sessions, for an admin; 404 when there is no such user. */
export async function listUserSessions(db: Db, userId: string, now = new Date()): Promise<SessionInfo[]> {
  await mustHaveUser(db, userId);
  return listSessions(db, userId, now);
}

/** An admin ends all the user's sessions (but `keep`, the admin's own); 404 when there is no such user. */
export async function revokeUserSessions(db: Db, userId: string, keep: string | null, now = new Date()): Promise<number> {
  await mustHaveUser(db, userId);
  return revokeOtherSessions(db, userId, keep, now);
}

/** A session as the API and the pages show it: `current` marks the one the request came with. */
export function describeSessions(sessions: SessionInfo[], currentId: string | null) {
  return sessions.map((s) => ({
    ...s,
    createdAt: s.createdAt.toISOString(),
    lastSeenAt: s.lastSeenAt.toISOString(),
    current: s.id === currentId,
  }));
}
