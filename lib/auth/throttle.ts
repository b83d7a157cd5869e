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
import type { Db } from '../db';

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

export async function recordFailure(db: Db, keys: string[], opts: ThrottleOptions, now = new Date()): Promise<void> {
  for (const key of keys) {
    const row = await db.loginThrottle.findUnique({ where: { key } });
    // windowStart holds the last failure: the count lapses after a quiet window.
    const fresh = !row || now.getTime() - row.windowStart.getTime() > opts.windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    const ms = lockMs(failures, opts);
    const lockedUntil = ms > 0 ? new Date(now.getTime() + ms) : null;
    await db.loginThrottle.upsert({
      where: { key },
      create: { key, failures, windowStart: now, lockedUntil },
      update: { failures, windowStart: now, lockedUntil },
    });
  }
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
