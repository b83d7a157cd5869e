import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
import { actorFromToken, createToken, listTokens, revokeToken, tokenExpiresAt } from '@/lib/auth/tokens';
import { unlockAccount } from '@/lib/auth/throttle';
import { verifyPassword } from '@/lib/auth/password';
import { clientAddress } from '@/lib/http/client-address';
import { runCli } from '../helpers/cli';

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

  it('API tokens stop at their expiry date with a clear message', async () => {
    const ann = await t.db.user.findUniqueOrThrow({ where: { email: 'ann@example.com' } });
    const now = new Date('2026-01-10T12:00:00Z');
    const in30 = tokenExpiresAt({ expiry: '30' }, now)!;
    expect(in30.toISOString()).toBe('2026-02-09T12:00:00.000Z');
    expect(tokenExpiresAt({ expiry: 'never' }, now)).toBeNull();
    expect(tokenExpiresAt({ expiry: 'date', date: '2026-03-01' }, now)!.toISOString()).toBe('2026-03-01T23:59:59.999Z');
    expect(() => tokenExpiresAt({ expiry: 'date', date: '2026-01-01' }, now)).toThrow(/future/);
    const { token } = await createToken(t.db, ann.id, 'short-lived', in30);
    expect((await actorFromToken(t.db, token, now))?.email).toBe('ann@example.com');
    await expect(actorFromToken(t.db, token, new Date('2026-02-10T00:00:00Z'))).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(/expired on 2026-02-09/),
    });
    expect((await listTokens(t.db, ann.id)).find((x) => x.name === 'short-lived')?.expiresAt?.toISOString()).toBe(in30.toISOString());
  });

  it('a password change or an admin reset ends older sessions and API tokens', async () => {
    const { user } = await createUser(t.db, { email: 'dora@example.com', role: 'labeler', password: 'dora-password' });
    const signedIn = await signIn(t.db, 'dora@example.com', 'dora-password', '10.5.0.1', throttle);
    if (!signedIn.ok) throw new Error('sign-in failed');
    const v0 = signedIn.sessionVersion;
    const { token } = await createToken(t.db, user.id, 'cron');
    expect((await loadActor(t.db, user.id, { sessionVersion: v0 }))?.email).toBe('dora@example.com');

    const { sessionVersion: v1 } = await changeOwnPassword(t.db, user.id, 'dora-password', 'dora-password-2');
    expect(v1).toBe(v0 + 1);
    expect(await loadActor(t.db, user.id, { sessionVersion: v0 })).toBeNull(); // other sessions end
    expect((await loadActor(t.db, user.id, { sessionVersion: v1 }))?.email).toBe('dora@example.com'); // the re-issued one lives
    await expect(actorFromToken(t.db, token)).rejects.toThrow(/revoked by a password change/);
    expect((await listTokens(t.db, user.id))[0].revoked).toBe(true);
    const { token: fresh } = await createToken(t.db, user.id, 'cron 2');
    expect((await actorFromToken(t.db, fresh))?.email).toBe('dora@example.com');

    await resetPassword(t.db, user.id, 'dora-password-3');
    expect(await loadActor(t.db, user.id, { sessionVersion: v1 })).toBeNull();
    await expect(actorFromToken(t.db, fresh)).rejects.toThrow(/revoked/);

    // Disabling ends sessions for good: enabling again does not revive them.
    const v2 = (await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).sessionVersion;
    await setDisabled(t.db, user.id, true);
    await setDisabled(t.db, user.id, false);
    expect(await loadActor(t.db, user.id, { sessionVersion: v2 })).toBeNull();
  });
});

describe('sign-in throttling that strangers cannot turn against the owner', () => {
  const opts = { maxFailures: 5, windowMs: 15 * 60_000 };

  it('a stranger’s 20 failures from another address do not stop the owner at a known address', async () => {
    await createUser(t.db, { email: 'owner@example.com', role: 'labeler', password: 'owner-password' });
    expect((await signIn(t.db, 'owner@example.com', 'owner-password', '198.51.100.10', opts)).ok).toBe(true); // now known
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await signIn(t.db, 'owner@example.com', `guess-${i}`, '203.0.113.66', opts));
    expect(results.slice(0, 5).every((r) => !r.ok && r.reason === 'invalid')).toBe(true);
    expect(results.slice(5).every((r) => !r.ok && r.reason === 'locked')).toBe(true); // the stranger is stopped
    // ... the owner is not, at their known address
    expect((await signIn(t.db, 'owner@example.com', 'owner-password', '198.51.100.10', opts)).ok).toBe(true);
    // even the right password from a new address waits: the account is under attack
    const elsewhere = await signIn(t.db, 'owner@example.com', 'owner-password', '192.0.2.200', opts);
    expect(elsewhere.ok === false && elsewhere.reason).toBe('locked');
  });

  it('throttles failures from one address with growing delays, and lets them lapse', async () => {
    const t0 = new Date('2026-05-01T10:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    for (let i = 0; i < 5; i++) await signIn(t.db, `spray${i}@example.com`, 'Winter2026!', '203.0.113.99', opts, at(i));
    const first = await signIn(t.db, 'ann@example.com', 'ann-password', '203.0.113.99', opts, at(5_000));
    expect(first.ok === false && first.reason).toBe('locked');
    expect(first.ok === false && first.retryAfterMs).toBeGreaterThan(50_000);
    // after the first minute, one more failure locks for two minutes
    await signIn(t.db, 'spray9@example.com', 'Winter2026!', '203.0.113.99', opts, at(61_000));
    const second = await signIn(t.db, 'ann@example.com', 'ann-password', '203.0.113.99', opts, at(62_000));
    expect(second.ok === false && second.retryAfterMs).toBeGreaterThan(110_000);
    // a quiet window later the address starts afresh
    expect((await signIn(t.db, 'ann@example.com', 'ann-password', '203.0.113.99', opts, at(61_000 + opts.windowMs + 1))).ok).toBe(true);
  });

  it('ignores X-Forwarded-For with 0 trusted proxies: forged addresses do not dodge the throttle', async () => {
    await createUser(t.db, { email: 'eve-target@example.com', role: 'viewer', password: 'target-password' });
    const results = [];
    for (let i = 0; i < 8; i++) {
      const address = clientAddress({ peer: '203.0.113.150', forwardedFor: `10.0.${i}.1`, trustedProxies: 0 });
      expect(address).toBe('203.0.113.150');
      results.push(await signIn(t.db, `nobody${i}@example.com`, 'guess-guess', address, opts));
    }
    expect(results.slice(5).every((r) => !r.ok && r.reason === 'locked')).toBe(true);
    // with one trusted proxy, the proxy's entry is the client
    expect(clientAddress({ peer: '10.0.0.1', forwardedFor: '1.2.3.4, 203.0.113.150', trustedProxies: 1 })).toBe('203.0.113.150');
  });

  it('user unlock clears an account’s throttle', async () => {
    await createUser(t.db, { email: 'frank@example.com', role: 'viewer', password: 'frank-password' });
    for (let i = 0; i < 5; i++) await signIn(t.db, 'frank@example.com', 'typo-typo', '192.0.2.33', opts);
    const locked = await signIn(t.db, 'frank@example.com', 'frank-password', '192.0.2.33', opts);
    expect(locked.ok === false && locked.reason).toBe('locked');
    expect(await unlockAccount(t.db, 'Frank@Example.com')).toBeGreaterThanOrEqual(2);
    // the address's own counter (ip:) remains, but frank has never signed in from there: unlock covers acct + email keys
    await t.db.loginThrottle.deleteMany({ where: { key: 'ip:192.0.2.33' } });
    expect((await signIn(t.db, 'frank@example.com', 'frank-password', '192.0.2.33', opts)).ok).toBe(true);
    expect(await t.db.knownAddress.count({ where: { user: { email: 'frank@example.com' }, address: '192.0.2.33' } })).toBe(1);
  });
});

describe('parallel sign-in attempts cannot outrun the throttle', () => {
  const opts = { maxFailures: 5, windowMs: 15 * 60_000 };
  /** The real verifier, counting its calls: the number of password evaluations. */
  const counting = () => {
    const c = { calls: 0, verify: (hash: string, pw: string) => (c.calls++, verifyPassword(hash, pw)) };
    return c;
  };

  it('40 parallel wrong passwords for one account from one address: at most 5 evaluations', async () => {
    await createUser(t.db, { email: 'racer@example.com', role: 'viewer', password: 'racer-password' });
    // Right passwords give their reserved attempt back: they never count towards the lock.
    await createUser(t.db, { email: 'steady@example.com', role: 'viewer', password: 'steady-password' });
    for (let i = 0; i < 3; i++) expect((await signIn(t.db, 'steady@example.com', 'steady-password', '203.0.113.40', opts)).ok).toBe(true);
    expect(await t.db.loginThrottle.findUnique({ where: { key: 'ip:203.0.113.40' } })).toMatchObject({ failures: 0, lockedUntil: null });
    const v = counting();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => signIn(t.db, 'racer@example.com', `guess-${i}`, '203.0.113.40', opts, undefined, { verify: v.verify })),
    );
    expect(v.calls).toBeGreaterThan(0);
    expect(v.calls).toBeLessThanOrEqual(opts.maxFailures);
    expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(v.calls);
    expect(results.filter((r) => !r.ok && r.reason === 'locked')).toHaveLength(40 - v.calls);
    // and the account is locked now, even for the right password
    const after = await signIn(t.db, 'racer@example.com', 'racer-password', '203.0.113.40', opts, undefined, { verify: v.verify });
    expect(after.ok === false && after.reason).toBe('locked');
    expect(v.calls).toBeLessThanOrEqual(opts.maxFailures);
  });

  it('two app instances (two database clients), 40 parallel attempts at different accounts from one address: at most 5 evaluations', async () => {
    // On PostgreSQL a second client is a second instance. Two SQLite clients in one process
    // would deadlock: better-sqlite3 waits for a lock synchronously, blocking the event loop
    // that the other client needs to finish (separate processes wait for each other fine).
    const other = t.provider === 'postgresql' ? createDb(t.url) : t.db;
    try {
      const v = counting();
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          signIn(i % 2 ? other : t.db, `sprayed${i}@example.com`, 'Spring2026!', '203.0.113.41', opts, undefined, { verify: v.verify }),
        ),
      );
      expect(v.calls).toBeGreaterThan(0);
      expect(v.calls).toBeLessThanOrEqual(opts.maxFailures);
      expect(results.filter((r) => !r.ok && r.reason === 'locked')).toHaveLength(40 - v.calls);
    } finally {
      if (other !== t.db) await other.$disconnect();
    }
  });
});

describe('length limits, with messages that say them', () => {
  const opts = { maxFailures: 5, windowMs: 15 * 60_000 };

  it('sign-in refuses a 10,000-character e-mail or an over-long password without checking it', async () => {
    let calls = 0;
    const verify = async () => (calls++, false);
    const long = await signIn(t.db, `${'a'.repeat(10_000)}@example.com`, 'whatever-pw', '192.0.2.90', opts, undefined, { verify });
    expect(long).toEqual({ ok: false, reason: 'tooLong', message: 'E-mail addresses have at most 254 characters' });
    const pw = await signIn(t.db, 'ann@example.com', 'p'.repeat(1025), '192.0.2.90', opts, undefined, { verify });
    expect(pw).toEqual({ ok: false, reason: 'tooLong', message: 'Passwords have at most 1024 characters' });
    expect(calls).toBe(0);
    // 1,024 characters are still checked (and wrong)
    expect(await signIn(t.db, 'ann@example.com', 'p'.repeat(1024), '192.0.2.90', opts, undefined, { verify })).toEqual({ ok: false, reason: 'invalid' });
    expect(calls).toBe(1);
  });

  it('user creation (web, API and CLI go through createUser) refuses an e-mail over 254 and a name over 100 characters', async () => {
    const local = 'b'.repeat(64);
    const at254 = `${local}@${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(57)}.com`;
    expect(at254).toHaveLength(254);
    expect((await createUser(t.db, { email: at254, role: 'viewer', password: 'long-mail-pw' })).user.email).toBe(at254);
    await expect(createUser(t.db, { email: `x${at254}`, role: 'viewer' })).rejects.toThrow('E-mail addresses have at most 254 characters');
    await expect(createUser(t.db, { email: `${'a'.repeat(10_000)}@example.com`, role: 'viewer' })).rejects.toThrow(/at most 254 characters/);
    await expect(createUser(t.db, { email: 'named@example.com', name: 'n'.repeat(101), role: 'viewer' })).rejects.toThrow('Names have at most 100 characters');
    expect((await createUser(t.db, { email: 'named@example.com', name: 'n'.repeat(100), role: 'viewer' })).user.name).toHaveLength(100);
  });

  it('cli user add refuses an over-long e-mail with the limit, and adds nothing', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-cli-'));
    try {
      const r = runCli({ databaseUrl: t.url, dataDir }, 'user', 'add', `${'a'.repeat(10_000)}@example.com`, '--role', 'viewer');
      expect(r.code).toBe(1);
      expect(r.err).toContain('error: E-mail addresses have at most 254 characters');
      expect(await t.db.user.count({ where: { email: { startsWith: 'aaaaaaaaaa' } } })).toBe(0);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('token names over 100 characters and over-long current passwords are refused with the limit', async () => {
    const ann = await t.db.user.findUniqueOrThrow({ where: { email: 'ann@example.com' } });
    await expect(createToken(t.db, ann.id, 't'.repeat(101))).rejects.toThrow('Give the token a name of 1 to 100 characters');
    await expect(changeOwnPassword(t.db, ann.id, 'p'.repeat(5000), 'new-password-9')).rejects.toThrow('Passwords have at most 1024 characters');
  });
});
