// Stored sessions (lib/auth/sessions.ts): what the guard accepts, sign-out and revoking,
// and how password changes, resets and disabling end them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { changeOwnPassword, createUser, resetPassword, setDisabled } from '@/lib/auth/users';
import {
  actorFromSession,
  createSession,
  describeSessions,
  endSession,
  listSessions,
  listUserSessions,
  liveSessionsByUser,
  revokeOtherSessions,
  revokeSession,
  revokeUserSessions,
  SESSION_MAX_AGE_S,
} from '@/lib/auth/sessions';
import { MAX_USER_AGENT_LENGTH } from '@/lib/auth/limits';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(async () => t.cleanup());

const client = { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', address: '192.0.2.7' };
async function user(prefix: string) {
  const { user } = await createUser(t.db, { email: `${prefix}-${Math.random().toString(36).slice(2)}@example.com`, role: 'labeler', password: `${prefix}-password` });
  return user;
}

describe(`stored sessions on ${process.env.TEST_DATABASE_URL || process.env.DATABASE_URL ? 'the configured database' : 'SQLite'}`, () => {
  it('a session is valid until it is signed out; then its JWT is refused', async () => {
    const u = await user('ann');
    const sid = await createSession(t.db, u.id, client);
    const claims = { uid: u.id, sv: 0, sid };
    expect((await actorFromSession(t.db, claims))?.email).toBe(u.email);
    await endSession(t.db, sid);
    expect(await actorFromSession(t.db, claims)).toBeNull();
    const row = await t.db.session.findUniqueOrThrow({ where: { id: sid } });
    expect(row.revokedAt).not.toBeNull();
    expect(await listSessions(t.db, u.id)).toEqual([]);
  });

  it('refuses a JWT without a session id (issued before the upgrade), with an unknown one, or with another user’s', async () => {
    const a = await user('bea');
    const b = await user('bob');
    const sid = await createSession(t.db, a.id, client);
    expect(await actorFromSession(t.db, { uid: a.id, sv: 0 })).toBeNull();
    expect(await actorFromSession(t.db, { uid: a.id, sv: 0, sid: 'no-such-session' })).toBeNull();
    expect(await actorFromSession(t.db, { uid: b.id, sv: 0, sid })).toBeNull();
    expect(await actorFromSession(t.db, { uid: a.id, sv: 1, sid })).toBeNull(); // the sessionVersion rule still holds
    expect((await actorFromSession(t.db, { uid: a.id, sv: 0, sid }))?.id).toBe(a.id);
  });

  it('records the use at most once a minute, and ends a session idle for longer than a cookie lives', async () => {
    const u = await user('cat');
    const t0 = new Date('2026-06-01T08:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const sid = await createSession(t.db, u.id, client, t0);
    const seen = async () => (await t.db.session.findUniqueOrThrow({ where: { id: sid } })).lastSeenAt.getTime();
    const claims = { uid: u.id, sv: 0, sid };
    expect(await actorFromSession(t.db, claims, at(30_000))).not.toBeNull();
    expect(await seen()).toBe(t0.getTime());
    expect(await actorFromSession(t.db, claims, at(61_000))).not.toBeNull();
    expect(await seen()).toBe(at(61_000).getTime());
    expect(await actorFromSession(t.db, claims, at(61_000 + SESSION_MAX_AGE_S * 1000 + 1))).toBeNull();
    // a sign-in long after forgets the sessions that ended that long ago
    await createSession(t.db, u.id, client, at(2 * SESSION_MAX_AGE_S * 1000 + 61_000 + 2));
    expect(await t.db.session.findUnique({ where: { id: sid } })).toBeNull();
  });

  it('stores the client address and a truncated User-Agent', async () => {
    const u = await user('dan');
    const sid = await createSession(t.db, u.id, { userAgent: 'x'.repeat(10_000), address: '203.0.113.5' });
    const row = await t.db.session.findUniqueOrThrow({ where: { id: sid } });
    expect(row.userAgent).toHaveLength(MAX_USER_AGENT_LENGTH);
    expect(row.address).toBe('203.0.113.5');
  });

  it('the owner lists and revokes their sessions, one or all but the current one', async () => {
    const u = await user('eve');
    const other = await user('fay');
    const [s1, s2, s3] = [await createSession(t.db, u.id, client), await createSession(t.db, u.id, client), await createSession(t.db, u.id, client)];
    const theirs = await createSession(t.db, other.id, client);
    const listed = describeSessions(await listSessions(t.db, u.id), s1);
    expect(listed.map((s) => s.id).sort()).toEqual([s1, s2, s3].sort());
    expect(listed.filter((s) => s.current).map((s) => s.id)).toEqual([s1]);
    // someone else's session is not yours to revoke (and says so as "not found")
    await expect(revokeSession(t.db, u.id, theirs)).rejects.toMatchObject({ status: 404, message: 'No such session' });
    expect(await actorFromSession(t.db, { uid: other.id, sv: 0, sid: theirs })).not.toBeNull();
    await revokeSession(t.db, u.id, s2);
    await expect(revokeSession(t.db, u.id, s2)).rejects.toMatchObject({ status: 404 });
    expect(await actorFromSession(t.db, { uid: u.id, sv: 0, sid: s2 })).toBeNull();
    expect(await revokeOtherSessions(t.db, u.id, s1)).toBe(1); // s3
    expect((await listSessions(t.db, u.id)).map((s) => s.id)).toEqual([s1]);
    expect(await actorFromSession(t.db, { uid: u.id, sv: 0, sid: s1 })).not.toBeNull();
    expect(await actorFromSession(t.db, { uid: u.id, sv: 0, sid: s3 })).toBeNull();
  });

  it('an admin lists and ends an account’s sessions', async () => {
    const u = await user('gus');
    const [s1, s2] = [await createSession(t.db, u.id, client), await createSession(t.db, u.id, client)];
    expect((await listUserSessions(t.db, u.id)).map((s) => s.id).sort()).toEqual([s1, s2].sort());
    expect((await liveSessionsByUser(t.db)).get(u.id)?.map((s) => s.id).sort()).toEqual([s1, s2].sort());
    await expect(listUserSessions(t.db, 'no-such-user')).rejects.toMatchObject({ status: 404, message: 'No such user' });
    await expect(revokeUserSessions(t.db, 'no-such-user', null)).rejects.toMatchObject({ status: 404 });
    expect(await revokeUserSessions(t.db, u.id, null)).toBe(2);
    expect(await actorFromSession(t.db, { uid: u.id, sv: 0, sid: s1 })).toBeNull();
    expect(await actorFromSession(t.db, { uid: u.id, sv: 0, sid: s2 })).toBeNull();
    expect((await liveSessionsByUser(t.db)).get(u.id)).toBeUndefined();
  });

  it('a password change keeps the current session only; a reset and disabling end them all', async () => {
    const u = await user('hal');
    const [here, elsewhere] = [await createSession(t.db, u.id, client), await createSession(t.db, u.id, client)];
    const { sessionVersion } = await changeOwnPassword(t.db, u.id, 'hal-password', 'hal-password-2', { keepSessionId: here });
    expect(sessionVersion).toBe(1);
    // the re-issued JWT (new sv, same sid) lives on; the other session is revoked, whatever sv it carries
    expect(await actorFromSession(t.db, { uid: u.id, sv: 1, sid: here })).not.toBeNull();
    expect(await actorFromSession(t.db, { uid: u.id, sv: 1, sid: elsewhere })).toBeNull();
    expect((await listSessions(t.db, u.id)).map((s) => s.id)).toEqual([here]);

    await resetPassword(t.db, u.id, 'hal-password-3');
    expect(await listSessions(t.db, u.id)).toEqual([]);
    expect(await actorFromSession(t.db, { uid: u.id, sv: 2, sid: here })).toBeNull();

    const again = await createSession(t.db, u.id, client);
    await setDisabled(t.db, u.id, true);
    await setDisabled(t.db, u.id, false);
    expect(await actorFromSession(t.db, { uid: u.id, sv: 3, sid: again })).toBeNull();
  });

  it('deleting a user deletes their sessions', async () => {
    const u = await user('ivy');
    await createSession(t.db, u.id, client);
    await t.db.user.delete({ where: { id: u.id } });
    expect(await t.db.session.count({ where: { userId: u.id } })).toBe(0);
  });
});
