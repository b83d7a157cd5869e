// Roles and the errors every entry point turns into 401 / 403.
import { z } from 'zod';

import { ROLES, type Role } from './role-names';

export { ROLES, type Role };
export const roleSchema = z.enum(ROLES);

/** Roles are ordered: an admin may do what a labeler may, a labeler what a viewer may. */
export function hasRole(actual: string, required: Role): boolean {
  const a = ROLES.indexOf(actual as Role);
  return a >= 0 && a >= ROLES.indexOf(required);
}

export type Actor = { id: string; email: string; name: string | null; role: Role };

/** An error whose message the caller may read, with the HTTP status it stands for. */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Not signed in (or the account is disabled): 401 for APIs, a redirect to /login for pages. */
export class UnauthenticatedError extends HttpError {
  constructor(message = 'Sign in required') {
    super(message, 401);
  }
}

/** Signed in, but the role does not allow it: 403. */
export class ForbiddenError extends HttpError {
  constructor(message = 'Your role does not allow this') {
    super(message, 403);
  }
}

/** Bad input from a user, shown to them as is: 400 (or the status given). */
export class UserError extends HttpError {
  constructor(message: string, status = 400) {
    super(message, status);
  }
}

export function requireRole(actor: Actor | null, role: Role): Actor {
  if (!actor) throw new UnauthenticatedError();
  if (!hasRole(actor.role, role)) throw new ForbiddenError(`This needs the ${role} role; you are ${actor.role}`);
  return actor;
}
