import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { createDb } from '@/lib/db';
import {
  changeOwnPassword,
  createUser,
  ensureAdmin,
  listUsers,
  loadActor,
  resetPassword,
  setDisabled,
  setRole,
  signIn,
} from '@/lib/auth/users';
import { actorFromToken, createToken, listTokens, revokeToken } from '@/lib/auth/tokens';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(async () => t.cleanup());

const throttle = { maxFailures: 3, windowMs: 60_000 };

describe(`accounts on ${process.env.TEST_DATABASE_URL || process.env.DATABASE_URL ? 'the configured database' : 'SQLite'}`, () => {
  it('creates the first admin only when there are no users', async () => {
    const first = await ensureAdmin(t.db, 'boss@example.com');
    expect(first.created).toBe(true);
    if (!first.created) throw new Error('unreachable');
    expect(first.generated).toBe(true);
    expect(first.password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect((await signIn(t.db, 'boss@example.com', first.password, null, throttle)).ok).toBe(true);
    expect(await ensureAdmin(t.db, 'other@example.com', 'password123')).toEqual({ created: false });
  });

  it('two processes creating the first admin at once: one creates it, the other finds it, neither fails', async () => {
    const fresh = await freshDb();
    const other = createDb(fresh.url); // a second process's client
    try {
      for (let round = 0; round < 3; round++) {
        await fresh.db.user.deleteMany({});
        const results = await Promise.all([ensureAdmin(fresh.db, 'boss@example.com', 'password123'), ensureAdmin(other, 'boss@example.com', 'password123')]);
        expect(results.filter((r) => r.created).length).toBe(1);
        expect(await fresh.db.user.count()).toBe(1);
      }
    } finally {
      await other.$disconnect();
      await fresh.cleanup();
    }
  });

  it('creates users with normalised e-mails and refuses duplicates', async () => {
    const { user, password } = await createUser(t.db, { email: '  Ann@Example.COM ', role: 'labeler', password: 'ann-password' });
    expect(user.email).toBe('ann@example.com');
    expect(password).toBeUndefined();
    await expect(createUser(t.db, { email: 'ann@example.com', role: 'viewer' })).rejects.toThrow(/already exists/);
    await expect(createUser(t.db, { email: 'not-an-email', role: 'viewer' })).rejects.toThrow(/valid e-mail/);
    await expect(createUser(t.db, { email: 'x@example.com', role: 'viewer', password: 'short' })).rejects.toThrow(/at least 8/);
    expect((await listUsers(t.db)).map((u) => u.email)).toContain('ann@example.com');
  });

  it('never stores the password itself', async () => {
    const row = await t.db.user.findUniqueOrThrow({ where: { email: 'ann@example.com' } });
    expect(row.passwordHash).not.toContain('ann-password');
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('signs in with the right password only', async () => {
    expect((await signIn(t.db, 'ann@example.com', 'ann-password', '10.0.0.1', throttle)).ok).toBe(true);
    expect(await signIn(t.db, 'ann@example.com', 'wrong-password', '10.0.0.1', throttle)).toEqual({ ok: false, reason: 'invalid' });
    expect(await signIn(t.db, 'nobody@example.com', 'whatever', '10.0.0.1', throttle)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('locks an account after repeated failures, even with the right password, from any address', async () => {
    await createUser(t.db, { email: 'bob@example.com', role: 'viewer', password: 'bob-password' });
    for (let i = 0; i < 3; i++) await signIn(t.db, 'bob@example.com', 'nope-nope', `10.1.0.${i}`, throttle);
    const locked = await signIn(t.db, 'bob@example.com', 'bob-password', '10.9.9.9', throttle);
    expect(locked.ok).toBe(false);
    expect(locked.ok === false && locked.reason).toBe('locked');
    expect(locked.ok === false && locked.retryAfterMs).toBeGreaterThan(50_000);
  });

  it('locks an address that tries many accounts', async () => {
    for (const e of ['a1@example.com', 'a2@example.com', 'a3@example.com']) await signIn(t.db, e, 'guess-guess', '10.2.0.1', throttle);
    const r = await signIn(t.db, 'ann@example.com', 'ann-password', '10.2.0.1', throttle);
    expect(r.ok === false && r.reason).toBe('locked');
    expect((await signIn(t.db, 'ann@example.com', 'ann-password', '10.2.0.2', throttle)).ok).toBe(true);
  });

  it('disables and re-enables accounts; a disabled account is no actor', async () => {
    const { user } = await createUser(t.db, { email: 'carl@example.com', role: 'labeler', password: 'carl-password' });
    await setDisabled(t.db, user.id, true);
    expect(await loadActor(t.db, user.id)).toBeNull();
    expect(await signIn(t.db, 'carl@example.com', 'carl-password', null, throttle)).toEqual({ ok: false, reason: 'disabled' });
    await setDisabled(t.db, user.id, false);
    expect((await loadActor(t.db, user.id))?.role).toBe('labeler');
  });

  it('keeps at least one active admin', async () => {
    const boss = await t.db.user.findUniqueOrThrow({ where: { email: 'boss@example.com' } });
    await expect(setRole(t.db, boss.id, 'viewer')).rejects.toThrow(/last active admin/);
    await expect(setDisabled(t.db, boss.id, true)).rejects.toThrow(/last active admin/);
    const ann = await t.db.user.findUniqueOrThrow({ where: { email: 'ann@example.com' } });
    await setRole(t.db, ann.id, 'admin');
    await setRole(t.db, boss.id, 'viewer');
    expect((await loadActor(t.db, boss.id))?.role).toBe('viewer');
  });

  it('resets and changes passwords', async () => {
    const carl = await t.db.user.findUniqueOrThrow({ where: { email: 'carl@example.com' } });
    const pw = await resetPassword(t.db, carl.id);
    expect((await signIn(t.db, 'carl@example.com', pw, null, throttle)).ok).toBe(true);
    await expect(changeOwnPassword(t.db, carl.id, 'wrong-current', 'new-password-1')).rejects.toThrow(/current password/);
    await changeOwnPassword(t.db, carl.id, pw, 'new-password-1');
    expect((await signIn(t.db, 'carl@example.com', 'new-password-1', null, throttle)).ok).toBe(true);
    expect((await signIn(t.db, 'carl@example.com', pw, null, throttle)).ok).toBe(false);
  });

  it('API tokens act as their owner until revoked', async () => {
    const ann = await t.db.user.findUniqueOrThrow({ where: { email: 'ann@example.com' } });
    const { id, token } = await createToken(t.db, ann.id, 'script');
    expect((await actorFromToken(t.db, token))?.email).toBe('ann@example.com');
    expect(await actorFromToken(t.db, token + 'x')).toBeNull();
    const listed = await listTokens(t.db, ann.id);
    expect(listed).toHaveLength(1);
    expect(listed[0].lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(token);
    await revokeToken(t.db, ann.id, id);
    expect(await actorFromToken(t.db, token)).toBeNull();
  });
});
