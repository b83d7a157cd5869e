// Sign-in throttling per account and per client address, stored in the database so
// it holds across restarts and across several app instances.
import type { Db } from '../db';

export type ThrottleOptions = { maxFailures: number; windowMs: number };

export function throttleKeys(email: string, ip: string | null): string[] {
  const keys = [`email:${email.toLowerCase()}`];
  if (ip) keys.push(`ip:${ip}`);
  return keys;
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

export async function recordFailure(db: Db, keys: string[], opts: ThrottleOptions, now = new Date()): Promise<void> {
  for (const key of keys) {
    const row = await db.loginThrottle.findUnique({ where: { key } });
    const fresh = !row || now.getTime() - row.windowStart.getTime() > opts.windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    const lockedUntil = failures >= opts.maxFailures ? new Date(now.getTime() + opts.windowMs) : null;
    await db.loginThrottle.upsert({
      where: { key },
      create: { key, failures, windowStart: now, lockedUntil },
      update: { failures, windowStart: fresh ? now : row.windowStart, lockedUntil },
    });
  }
}

export async function clearFailures(db: Db, email: string): Promise<void> {
  // A successful sign-in clears the account's counter; the address keeps its own.
  await db.loginThrottle.deleteMany({ where: { key: `email:${email.toLowerCase()}` } });
}
