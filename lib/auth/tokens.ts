// Per-user API tokens (for scripts calling the API). Only a SHA-256 of each token is
// stored; the token itself is shown once when it is created.
import crypto from 'node:crypto';
import type { Db } from '../db';
import { z } from 'zod';
import { UnauthenticatedError, UserError } from '../errors';
import type { Actor } from './roles';
import { loadActor } from './users';

const PREFIX = 'mlk_';
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** The Account page's expiry choice: never, 30 or 90 days, or the end of a given day (UTC). */
export const tokenExpirySchema = z.discriminatedUnion('expiry', [
  z.object({ expiry: z.literal('never') }),
  z.object({ expiry: z.literal('30') }),
  z.object({ expiry: z.literal('90') }),
  z.object({ expiry: z.literal('date'), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Pick an expiry date') }),
]);
export type TokenExpiry = z.input<typeof tokenExpirySchema>;

export function tokenExpiresAt(choice: TokenExpiry, now = new Date()): Date | null {
  const c = tokenExpirySchema.parse(choice);
  if (c.expiry === 'never') return null;
  if (c.expiry === '30' || c.expiry === '90') return new Date(now.getTime() + Number(c.expiry) * 24 * 3600 * 1000);
  const at = new Date(`${c.date}T23:59:59.999Z`);
  if (Number.isNaN(at.getTime())) throw new UserError('Pick a valid expiry date');
  if (at <= now) throw new UserError('The expiry date must be in the future');
  return at;
}

/**
 * A new token for the user, valid until `expiresAt` (null: never) and until the user's
 * next password change (it records the user's current sessionVersion).
 */
export async function createToken(db: Db, userId: string, name: string, expiresAt: Date | null = null): Promise<{ id: string; token: string }> {
  const clean = name.trim();
  if (!clean || clean.length > 100) throw new UserError('Give the token a name of 1 to 100 characters');
  const user = await db.user.findUnique({ where: { id: userId }, select: { sessionVersion: true } });
  if (!user) throw new UserError('No such user', 404);
  const token = PREFIX + crypto.randomBytes(24).toString('base64url');
  const row = await db.apiToken.create({
    data: { userId, name: clean, tokenHash: sha256(token), expiresAt, sessionVersion: user.sessionVersion },
  });
  return { id: row.id, token };
}

/** The user's tokens; `revoked`: made before the last password change (they no longer work). */
export async function listTokens(db: Db, userId: string) {
  const [user, rows] = await Promise.all([
    db.user.findUnique({ where: { id: userId }, select: { sessionVersion: true } }),
    db.apiToken.findMany({
      where: { userId },
      select: { id: true, name: true, createdAt: true, lastUsedAt: true, expiresAt: true, sessionVersion: true },
      orderBy: { createdAt: 'desc' },
    }),
  ]);
  return rows.map(({ sessionVersion, ...t }) => ({ ...t, revoked: sessionVersion !== user?.sessionVersion }));
}

export async function revokeToken(db: Db, userId: string, id: string): Promise<void> {
  const { count } = await db.apiToken.deleteMany({ where: { id, userId } });
  if (count === 0) throw new UserError('No such token', 404);
}

/**
 * The token's owner, if the token is known and the owner is active. An expired token, or
 * one made before the owner's last password change, throws UnauthenticatedError (401)
 * saying so, for the script's author to read.
 */
export async function actorFromToken(db: Db, token: string, now = new Date()): Promise<Actor | null> {
  if (!token.startsWith(PREFIX)) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: sha256(token) } });
  if (!row) return null;
  if (row.expiresAt && row.expiresAt <= now) {
    throw new UnauthenticatedError(`This API token expired on ${row.expiresAt.toISOString().slice(0, 10)}; create a new one on the Account page`);
  }
  const owner = await db.user.findUnique({ where: { id: row.userId }, select: { sessionVersion: true } });
  if (owner && owner.sessionVersion !== row.sessionVersion) {
    throw new UnauthenticatedError('This API token was revoked by a password change; create a new one on the Account page');
  }
  await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  return loadActor(db, row.userId, { sessionVersion: row.sessionVersion });
}
