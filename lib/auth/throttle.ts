// Sign-in throttling, stored in the database so it holds across restarts and across
// several app instances. Designed so that a stranger cannot lock the owner out:
//
//   acct:<email>|<address>  failures for this account from this address: always applies
//   ip:<address>            failures from this address, any account (password spraying)
//   email:<email>           failures for this account from anywhere (a botnet): applies
//                           only at addresses the account has never signed in from
//
// The owner signing in from a known-good address (a KnownAddress row, written on every
// successful sign-in) is therefore only slowed down by their own failures there. A key
// over the limit is locked for a delay that doubles with each further failure (1 min, 2,
// 4, ... capped at the window); the count is forgotten after a window without failures.
//
// Counting is atomic, so parallel attempts cannot slip past the limit: an attempt is
// reserved (counted as a failure, and the lock set when it reaches the limit) with a
// conditional update before its password is checked, and given back when it succeeds.
// A process killed in between leaves it counted as a failure, never the other way round.
import { type Db, isUniqueViolation } from '../db';

export type ThrottleOptions = { maxFailures: number; windowMs: number };

export type ThrottleKeys = { accountAddress: string; address: string | null; account: string };

export function throttleKeys(email: string, address: string | null): ThrottleKeys {
  const e = email.trim().toLowerCase();
  return { accountAddress: `acct:${e}|${address ?? '?'}`, address: address ? `ip:${address}` : null, account: `email:${e}` };
}

/** The keys that can stop this attempt: a known-good address skips the address-wide and account-wide ones. */
export function keysToCheck(k: ThrottleKeys, knownAddress: boolean): string[] {
  if (knownAddress) return [k.accountAddress];
  return [k.accountAddress, k.account, ...(k.address ? [k.address] : [])];
}

export function allKeys(k: ThrottleKeys): string[] {
  return [k.accountAddress, k.account, ...(k.address ? [k.address] : [])];
}

/** Milliseconds until sign-in is allowed again for any of the keys (0 = allowed now). */
export async function lockedFor(db: Db, keys: string[], now = new Date()): Promise<number> {
  const rows = await db.loginThrottle.findMany({ where: { key: { in: keys } } });
  let wait = 0;
  for (const r of rows) {
    if (r.lockedUntil && r.lockedUntil > now) wait = Math.max(wait, r.lockedUntil.getTime() - now.getTime());
  }
  return wait;
}

/** Lock length after `failures` failures: none below the limit, then 1 min doubling, at most the window. */
export function lockMs(failures: number, opts: ThrottleOptions): number {
  if (failures < opts.maxFailures) return 0;
  const base = Math.min(60_000, opts.windowMs);
  return Math.min(opts.windowMs, base * 2 ** Math.min(20, failures - opts.maxFailures));
}

type ThrottleState = { failures: number; windowStart: Date; lockedUntil: Date | null };
/** One counted attempt on one key: the state before and after, to give it back. */
export type Reservation = { key: string; before: ThrottleState; after: ThrottleState };

/**
 * Counts one failed (or about to be checked) attempt on `key`, atomically: the row is read, the
 * next state computed (the count lapses after a quiet window; a lock once it reaches the limit),
 * and written only if nobody changed the row in between (compare-and-set on the count and
 * windowStart, which holds the last attempt); otherwise read again. With `respectLock` a key
 * that is locked now is not counted: `{ waitMs }` says how long it stays locked.
 */
export async function countAttempt(
  db: Db,
  key: string,
  opts: ThrottleOptions,
  now: Date,
  respectLock: boolean,
): Promise<{ reserved: Reservation } | { waitMs: number }> {
  for (;;) {
    let row = await db.loginThrottle.findUnique({ where: { key } });
    if (!row) {
      try {
        row = await db.loginThrottle.create({ data: { key, failures: 0, windowStart: now, lockedUntil: null } });
      } catch (err) {
        if (isUniqueViolation(err)) continue; // another attempt created it: read it
        throw err;
      }
    }
    if (respectLock && row.lockedUntil && row.lockedUntil > now) return { waitMs: row.lockedUntil.getTime() - now.getTime() };
    // windowStart holds the last failure: the count lapses after a quiet window.
    const fresh = now.getTime() - row.windowStart.getTime() > opts.windowMs;
    const failures = (fresh ? 0 : row.failures) + 1;
    const ms = lockMs(failures, opts);
    const after = { failures, windowStart: now, lockedUntil: ms > 0 ? new Date(now.getTime() + ms) : null };
    const { count } = await db.loginThrottle.updateMany({ where: { key, failures: row.failures, windowStart: row.windowStart }, data: after });
    if (count === 1) return { reserved: { key, before: { failures: row.failures, windowStart: row.windowStart, lockedUntil: row.lockedUntil }, after } };
  }
}

/**
 * Gives a reserved attempt back (it succeeded, or another key refused it before the password was
 * checked): the state before it, when nobody counted since; else just one failure less.
 */
export async function releaseAttempt(db: Db, r: Reservation): Promise<void> {
  const { count } = await db.loginThrottle.updateMany({
    where: { key: r.key, failures: r.after.failures, windowStart: r.after.windowStart },
    data: r.before,
  });
  if (count === 0) await db.loginThrottle.updateMany({ where: { key: r.key, failures: { gt: 0 } }, data: { failures: { decrement: 1 } } });
}

/**
 * Reserves an attempt on every key that can stop it, before the password is checked. Null: it
 * may go ahead (`reservations` to release if it succeeds); otherwise the milliseconds to wait
 * (nothing stays counted).
 */
export async function reserveAttempt(
  db: Db,
  keys: string[],
  opts: ThrottleOptions,
  now = new Date(),
): Promise<{ ok: true; reservations: Reservation[] } | { ok: false; waitMs: number }> {
  const reservations: Reservation[] = [];
  for (const key of keys) {
    const r = await countAttempt(db, key, opts, now, true);
    if ('waitMs' in r) {
      for (const done of reservations) await releaseAttempt(db, done);
      return { ok: false, waitMs: r.waitMs };
    }
    reservations.push(r.reserved);
  }
  return { ok: true, reservations };
}

/** Records a failure on each key, whether locked or not. */
export async function recordFailure(db: Db, keys: string[], opts: ThrottleOptions, now = new Date()): Promise<void> {
  for (const key of keys) await countAttempt(db, key, opts, now, false);
}

/** A successful sign-in clears the account's counter at that address; the others lapse on their own. */
export async function clearSuccess(db: Db, k: ThrottleKeys): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key: k.accountAddress } });
}

/**
 * `cli user unlock`: forgets the account's failures (everywhere) and those of the
 * addresses it has signed in from. Returns the number of rows removed.
 */
export async function unlockAccount(db: Db, email: string): Promise<number> {
  const e = email.trim().toLowerCase();
  const user = await db.user.findUnique({ where: { email: e }, select: { knownAddresses: { select: { address: true } } } });
  const ipKeys = (user?.knownAddresses ?? []).map((a) => `ip:${a.address}`);
  const { count } = await db.loginThrottle.deleteMany({
    where: { OR: [{ key: `email:${e}` }, { key: { startsWith: `acct:${e}|` } }, { key: { in: ipKeys } }] },
  });
  return count;
}
