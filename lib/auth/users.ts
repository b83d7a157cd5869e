// Accounts: create, list, change role, disable, passwords, sign-in, first admin.
import { z } from 'zod';
import type { Db } from '../db';
import { isUniqueViolation } from '../db';
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './password';
import { UserError } from '../errors';
import { type Actor, type Role, roleSchema } from './roles';
import { allKeys, clearSuccess, keysToCheck, lockedFor, recordFailure, type ThrottleOptions, throttleKeys } from './throttle';

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'Enter a valid e-mail address' }));
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `Passwords need at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'Passwords can have at most 200 characters');

export const newUserSchema = z.object({
  email: emailSchema,
  name: z.string().trim().max(100).optional(),
  role: roleSchema.default('labeler'),
  password: passwordSchema.optional(),
});
export type NewUser = z.input<typeof newUserSchema>;

export type PublicUser = { id: string; email: string; name: string | null; role: Role; disabled: boolean; createdAt: Date };

const publicFields = { id: true, email: true, name: true, role: true, disabled: true, createdAt: true } as const;

function toActor(u: { id: string; email: string; name: string | null; role: string }): Actor {
  return { id: u.id, email: u.email, name: u.name, role: roleSchema.parse(u.role) };
}

/** Creates an account; returns the generated password when none was given. */
export async function createUser(db: Db, input: NewUser): Promise<{ user: PublicUser; password?: string }> {
  const data = newUserSchema.parse(input);
  const generated = data.password ? undefined : generatePassword();
  try {
    const user = await db.user.create({
      data: { email: data.email, name: data.name || null, role: data.role, passwordHash: await hashPassword(data.password ?? generated!) },
      select: publicFields,
    });
    return { user: user as PublicUser, password: generated };
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new UserError(`A user with e-mail ${data.email} already exists`, 409);
    }
    throw err;
  }
}

export async function listUsers(db: Db): Promise<PublicUser[]> {
  return (await db.user.findMany({ select: publicFields, orderBy: { createdAt: 'asc' } })) as PublicUser[];
}

async function mustFind(db: Db, id: string) {
  const u = await db.user.findUnique({ where: { id } });
  if (!u) throw new UserError('No such user', 404);
  return u;
}

/** Guards against locking everyone out: the last active admin keeps the role and stays enabled. */
async function assertNotLastAdmin(db: Db, id: string): Promise<void> {
  const others = await db.user.count({ where: { role: 'admin', disabled: false, id: { not: id } } });
  if (others === 0) throw new UserError('This is the last active admin; make another admin first', 409);
}

export async function setRole(db: Db, id: string, role: Role): Promise<PublicUser> {
  const u = await mustFind(db, id);
  if (u.role === 'admin' && role !== 'admin') await assertNotLastAdmin(db, id);
  return (await db.user.update({ where: { id }, data: { role: roleSchema.parse(role) }, select: publicFields })) as PublicUser;
}

/**
 * Disabling also ends the account's sessions and API tokens for good (sessionVersion + 1):
 * enabling it again does not bring them back.
 */
export async function setDisabled(db: Db, id: string, disabled: boolean): Promise<PublicUser> {
  const u = await mustFind(db, id);
  if (disabled && u.role === 'admin') await assertNotLastAdmin(db, id);
  return (await db.user.update({
    where: { id },
    data: { disabled, ...(disabled && !u.disabled ? { sessionVersion: { increment: 1 } } : {}) },
    select: publicFields,
  })) as PublicUser;
}

/** Admin reset: sets the given password, or a generated one that is returned once. Ends the user's sessions and tokens. */
export async function resetPassword(db: Db, id: string, password?: string): Promise<string> {
  await mustFind(db, id);
  const pw = password ? passwordSchema.parse(password) : generatePassword();
  await db.user.update({ where: { id }, data: { passwordHash: await hashPassword(pw), sessionVersion: { increment: 1 } } });
  return pw;
}

/**
 * Changes the user's own password and ends all their sessions and API tokens; returns the
 * new session version, with which the caller re-issues the session it was called from.
 */
export async function changeOwnPassword(db: Db, id: string, current: string, next: string): Promise<{ sessionVersion: number }> {
  const u = await mustFind(db, id);
  if (!(await verifyPassword(u.passwordHash, current))) throw new UserError('Your current password is not right');
  const pw = passwordSchema.parse(next);
  if (pw === current) throw new UserError('The new password must differ from the current one');
  const updated = await db.user.update({
    where: { id },
    data: { passwordHash: await hashPassword(pw), sessionVersion: { increment: 1 } },
    select: { sessionVersion: true },
  });
  return updated;
}

/**
 * The signed-in account as stored now: a disabled or deleted account is no actor, nor is a
 * session (or token) issued under an older `sessionVersion` (before a password change).
 */
export async function loadActor(db: Db, id: string, opts: { sessionVersion?: number } = {}): Promise<Actor | null> {
  const u = await db.user.findUnique({ where: { id } });
  if (!u || u.disabled) return null;
  if (opts.sessionVersion !== undefined && opts.sessionVersion !== u.sessionVersion) return null;
  return toActor(u);
}

export type SignInResult =
  | { ok: true; actor: Actor; sessionVersion: number }
  | { ok: false; reason: 'invalid' | 'locked' | 'disabled'; retryAfterMs?: number };

/**
 * Checks credentials with throttling (lib/auth/throttle.ts): per account + address, per
 * address, and per account except at addresses the account has signed in from before.
 * `address` is the client's address (lib/http/client-address.ts), null when unknown.
 */
export async function signIn(
  db: Db,
  emailInput: string,
  password: string,
  address: string | null,
  throttle: ThrottleOptions,
  now = new Date(),
): Promise<SignInResult> {
  const email = String(emailInput ?? '').trim().toLowerCase();
  const keys = throttleKeys(email, address);
  const u = email ? await db.user.findUnique({ where: { email } }) : null;
  const known =
    !!u && !!address && (await db.knownAddress.count({ where: { userId: u.id, address } })) > 0;
  const wait = await lockedFor(db, keysToCheck(keys, known), now);
  if (wait > 0) return { ok: false, reason: 'locked', retryAfterMs: wait };
  // Verify even for unknown users so timing does not reveal which e-mails exist.
  const valid = await verifyPassword(u?.passwordHash ?? DUMMY_HASH, String(password ?? ''));
  if (!u || !valid) {
    await recordFailure(db, allKeys(keys), throttle, now);
    return { ok: false, reason: 'invalid' };
  }
  if (u.disabled) return { ok: false, reason: 'disabled' };
  await clearSuccess(db, keys);
  if (address) {
    await db.knownAddress.upsert({
      where: { userId_address: { userId: u.id, address } },
      create: { userId: u.id, address, lastSeen: now },
      update: { lastSeen: now },
    });
  }
  return { ok: true, actor: toActor(u), sessionVersion: u.sessionVersion };
}
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$qHSPjMhPNspYK02kVAbAww$vuLHRn+OPrl93EPHPi4Vm2OFojpdy7r8E3hT9Aq55qQ';

/** First start: with no users at all, create the admin. Returns the password if it was generated. */
export async function ensureAdmin(
  db: Db,
  email: string,
  password?: string,
): Promise<{ created: false } | { created: true; email: string; password: string; generated: boolean }> {
  if ((await db.user.count()) > 0) return { created: false };
  try {
    const { password: generated } = await createUser(db, { email, role: 'admin', password });
    return { created: true, email, password: password ?? generated!, generated: !password };
  } catch (err) {
    // Two processes starting on one new database both saw no users; the other one created
    // the admin first. That is the outcome we wanted, not an error.
    if (isUniqueViolation(err) || (err instanceof UserError && err.status === 409)) return { created: false };
    throw err;
  }
}
