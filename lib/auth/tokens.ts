// Per-user API tokens (for scripts calling the API). Only a SHA-256 of each token is
// stored; the token itself is shown once when it is created.
import crypto from 'node:crypto';
import type { Db } from '../db';
import { type Actor, UserError } from './roles';
import { loadActor } from './users';

const PREFIX = 'mlk_';
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export async function createToken(db: Db, userId: string, name: string): Promise<{ id: string; token: string }> {
  const clean = name.trim();
  if (!clean || clean.length > 100) throw new UserError('Give the token a name of 1 to 100 characters');
  const token = PREFIX + crypto.randomBytes(24).toString('base64url');
  const row = await db.apiToken.create({ data: { userId, name: clean, tokenHash: sha256(token) } });
  return { id: row.id, token };
}

export function listTokens(db: Db, userId: string) {
  return db.apiToken.findMany({
    where: { userId },
    select: { id: true, name: true, createdAt: true, lastUsedAt: true },
    orderBy: { createdAt: 'desc' },
  });
}

export async function revokeToken(db: Db, userId: string, id: string): Promise<void> {
  const { count } = await db.apiToken.deleteMany({ where: { id, userId } });
  if (count === 0) throw new UserError('No such token', 404);
}

/** The token's owner, if the token is known and the owner is active. */
export async function actorFromToken(db: Db, token: string): Promise<Actor | null> {
  if (!token.startsWith(PREFIX)) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: sha256(token) } });
  if (!row) return null;
  await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  return loadActor(db, row.userId);
}
