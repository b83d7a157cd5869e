// Roles: viewer < labeler < admin, and the check every entry point makes (401 / 403).
import { z } from 'zod';

import { ForbiddenError, UnauthenticatedError } from '../errors';
import { ROLES, type Role } from './role-names';

export { ROLES, type Role };
export const roleSchema = z.enum(ROLES);

/** Roles are ordered: an admin may do what a labeler may, a labeler what a viewer may. */
export function hasRole(actual: string, required: Role): boolean {
  const a = ROLES.indexOf(actual as Role);
  return a >= 0 && a >= ROLES.indexOf(required);
}

export type Actor = { id: string; email: string; name: string | null; role: Role };

export function requireRole(actor: Actor | null, role: Role): Actor {
  if (!actor) throw new UnauthenticatedError();
  if (!hasRole(actor.role, role)) throw new ForbiddenError(`This needs the ${role} role; you are ${actor.role}`);
  return actor;
}
