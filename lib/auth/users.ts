// Accounts: create, list, change role, disable, passwords, sign-in, first admin.
import { z } from 'zod';
import type { Db } from '../db';
import { isUniqueViolation } from '../db';
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './password';
import { UserError } from '../errors';
import { type Actor, type Role, roleSchema } from './roles';
import { allKeys, clearSuccess, keysToCheck, lockedFor, recordFailure, releaseAttempt, reserveAttempt, type ThrottleOptions, throttleKeys } from './throttle';
import { LIMIT_MESSAGES, MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, MAX_PASSWORD_INPUT_LENGTH } from './limits';

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(MAX_EMAIL_LENGTH, LIMIT_MESSAGES.email)
  .pipe(z.email({ message: 'Enter a valid e-mail address' }));
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `Passwords need at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'Passwords can have at most 200 characters');

export const newUserSchema = z.object({
  email: emailSchema,
  name: z.string().trim().max(MAX_NAME_LENGTH, LIMIT_MESSAGES.name).optional(),
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

/** Marks the user's sessions (lib/auth/sessions.ts) revoked, all or all but one, when their sessionVersion moves on. */
async function endSessions(db: Db, userId: string, keep?: string, now = new Date()): Promise<void> {
  await db.session.updateMany({ where: { userId, revokedAt: null, ...(keep ? { id: { not: keep } } : {}) }, data: { revokedAt: now } });
}

/**
 * Disabling also ends the account's sessions and API tokens for good (sessionVersion + 1):
 * enabling it again does not bring them back.
 */
export async function setDisabled(db: Db, id: string, disabled: boolean): Promise<PublicUser> {
  const u = await mustFind(db, id);
  if (disabled && u.role === 'admin') await assertNotLastAdmin(db, id);
  const updated = (await db.user.update({
    where: { id },
    data: { disabled, ...(disabled && !u.disabled ? { sessionVersion: { increment: 1 } } : {}) },
    select: publicFields,
  })) as PublicUser;
  if (disabled) await endSessions(db, id);
  return updated;
}

/**
 * An admin's change to an account (the Users page and `PATCH /api/admin/users/{id}`): its role
 * and/or whether it is disabled. Nobody takes away their own admin role or disables themself.
 */
export async function updateUser(db: Db, actor: Pick<Actor, 'id'>, id: string, change: { role?: Role; disabled?: boolean }): Promise<PublicUser> {
  if (id === actor.id && change.role !== undefined && change.role !== 'admin') throw new UserError('You cannot take away your own admin role');
  if (id === actor.id && change.disabled) throw new UserError('You cannot disable your own account');
  let user: PublicUser | null = null;
  if (change.role !== undefined) user = await setRole(db, id, change.role);
  if (change.disabled !== undefined) user = await setDisabled(db, id, change.disabled);
  if (user) return user;
  await mustFind(db, id);
  return (await db.user.findUniqueOrThrow({ where: { id }, select: publicFields })) as PublicUser;
}

/** Admin reset: sets the given password, or a generated one that is returned once. Ends the user's sessions and tokens. */
export async function resetPassword(db: Db, id: string, password?: string): Promise<string> {
  await mustFind(db, id);
  const pw = password ? passwordSchema.parse(password) : generatePassword();
  await db.user.update({ where: { id }, data: { passwordHash: await hashPassword(pw), sessionVersion: { increment: 1 } } });
  await endSessions(db, id);
  return pw;
}

/**
 * Changes the user's own password and ends all their sessions and API tokens; returns the
 * new session version, with which the caller re-issues the session it was called from
 * (`keepSessionId`, whose row stays live).
 */
export async function changeOwnPassword(
  db: Db,
  id: string,
  current: string,
  next: string,
  opts: { keepSessionId?: string | null } = {},
): Promise<{ sessionVersion: number }> {
  const u = await mustFind(db, id);
  if (current.length > MAX_PASSWORD_INPUT_LENGTH) throw new UserError(LIMIT_MESSAGES.password);
  if (!(await verifyPassword(u.passwordHash, current))) throw new UserError('Your current password is not right');
  const pw = passwordSchema.parse(next);
  if (pw === current) throw new UserError('The new password must differ from the current one');
  const updated = await db.user.update({
    where: { id },
    data: { passwordHash: await hashPassword(pw), sessionVersion: { increment: 1 } },
    select: { sessionVersion: true },
  });
  await endSessions(db, id, opts.keepSessionId ?? undefined);
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
  | { ok: false; reason: 'invalid' | 'locked' | 'disabled'; retryAfterMs?: number }
  | { ok: false; reason: 'tooLong'; message: string; retryAfterMs?: undefined };

/** The password check signIn() uses; tests pass one that counts its calls. */
export type PasswordVerifier = (hash: string, password: string) => Promise<boolean>;

/**
 * Checks credentials with throttling (lib/auth/throttle.ts): per account + address, per
 * address, and per account except at addresses the account has signed in from before.
 * The attempt is counted on those keys before the password is checked (and given back when
 * it is right), so parallel wrong attempts get at most the limit of checks.
 * `address` is the client's address (lib/http/client-address.ts), null when unknown.
 * An over-long e-mail or password is refused before any of it, with a message saying the limit.
 */
export async function signIn(
  db: Db,
  emailInput: string,
  password: string,
  address: string | null,
  throttle: ThrottleOptions,
  now = new Date(),
  deps: { verify?: PasswordVerifier } = {},
): Promise<SignInResult> {
  const email = String(emailInput ?? '').trim().toLowerCase();
  const pw = String(password ?? '');
  if (email.length > MAX_EMAIL_LENGTH) return { ok: false, reason: 'tooLong', message: LIMIT_MESSAGES.email };
  if (pw.length > MAX_PASSWORD_INPUT_LENGTH) return { ok: false, reason: 'tooLong', message: LIMIT_MESSAGES.password };
  const keys = throttleKeys(email, address);
  const u = email ? await db.user.findUnique({ where: { email } }) : null;
  const known =
    !!u && !!address && (await db.knownAddress.count({ where: { userId: u.id, address } })) > 0;
  const checked = keysToCheck(keys, known);
  // A cheap read first: a locked key refuses without writing anything.
  const wait = await lockedFor(db, checked, now);
  if (wait > 0) return { ok: false, reason: 'locked', retryAfterMs: wait };
  const reserved = await reserveAttempt(db, checked, throttle, now);
  if (!reserved.ok) return { ok: false, reason: 'locked', retryAfterMs: reserved.waitMs };
  // Verify even for unknown users so timing does not reveal which e-mails exist.
  const valid = await (deps.verify ?? verifyPassword)(u?.passwordHash ?? DUMMY_HASH, pw);
  if (!u || !valid) {
    // Counted on the keys that could stop it; the others (at a known address) count it now.
    await recordFailure(db, allKeys(keys).filter((k) => !checked.includes(k)), throttle, now);
    return { ok: false, reason: 'invalid' };
  }
  for (const r of reserved.reservations) await releaseAttempt(db, r);
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
