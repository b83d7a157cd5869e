// The errors a user may read, and what any thrown error means to a caller (HTTP status +
// message). Every route handler, server action, the CLI and the worker report errors through
// this one module: throw `UserError(message, status?)` for anything the user should read.
import { z } from 'zod';

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

function formatZod(err: z.ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/**
 * What a thrown error means to the caller, for route handlers and server actions alike: an
 * HttpError (401 / 403 / 400 / 404 / 409 / 413 …) and a zod error (400) are shown as they
 * are; anything else is logged and reported as a 500 without its details.
 */
export function describeError(err: unknown): { status: number; message: string; issues?: { path: string; message: string }[] } {
  if (err instanceof HttpError) return { status: err.status, message: err.message };
  if (err instanceof z.ZodError) {
    return { status: 400, message: formatZod(err), issues: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  }
  console.error(err);
  return { status: 500, message: 'Something went wrong; see the server log' };
}
