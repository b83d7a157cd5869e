// The one authorisation helper. Every page, route handler and server action goes
// through it, so no feature can forget the session or the role check.
//   pageGuard(role)              pages: redirect to /login, or the 403 page
//   apiRoute({ role, ... }, fn)  route handlers: 401 / 403 / 400 JSON, zod-validated input; the options
//                                are also the route's OpenAPI description (app/_server/openapi.ts)
//   serverAction({ role, input }, fn)  server actions: { ok, data } | { ok: false, error }
// Besides the role it checks that the session is current (its stored Session row is live,
// lib/auth/sessions.ts: sign-out and revoking end it; User.sessionVersion: a password
// change or reset ends older sessions and API tokens) and, for anything that changes
// state, that the request comes from the app's own pages (lib/http/origin.ts).
import { getServerSession } from 'next-auth';
import { forbidden, redirect } from 'next/navigation';
import { NextResponse } from 'next/server';
import { headers } from 'next/headers';
import { z } from 'zod';
import { db } from '@/lib/db';
import { type Actor, hasRole, type Role, requireRole } from '@/lib/auth/roles';
import { describeError, ForbiddenError, UnauthenticatedError, UserError } from '@/lib/errors';
import { actorFromToken } from '@/lib/auth/tokens';
import { actorFromSession, type SessionClaims } from '@/lib/auth/sessions';
import { type BodyLimit, JSON_BODY_LIMIT, readRequestBody } from '@/lib/http/body';
import { CROSS_SITE_MESSAGE } from '@/lib/http/origin';
import { config } from '@/lib/config';
import type { OperationDoc } from '@/lib/http/openapi';
import { authOptions } from './auth';
import { originVerdict } from './origin';

/**
 * The signed-in user from the session cookie (or an API token), fresh from the database.
 * A session that was signed out or revoked, or issued before the user's last password
 * change, is no session (nor is one from before sessions were stored). An expired or
 * revoked API token throws UnauthenticatedError with a message saying so.
 */
export async function getActor(): Promise<Actor | null> {
  const session = (await getServerSession(authOptions())) as (SessionClaims & { uid?: string }) | null;
  if (session?.uid) return actorFromSession(db(), session);
  const auth = (await headers()).get('authorization');
  if (auth?.startsWith('Bearer ')) return actorFromToken(db(), auth.slice('Bearer '.length).trim());
  return null;
}

/** The id of the stored session the request's cookie carries (null: none, e.g. an API token). */
export async function currentSessionId(): Promise<string | null> {
  const session = (await getServerSession(authOptions())) as SessionClaims | null;
  return typeof session?.sid === 'string' ? session.sid : null;
}

export async function pageGuard(role: Role = 'viewer', from?: string): Promise<Actor> {
  const actor = await getActor().catch((err) => {
    if (err instanceof UnauthenticatedError) return null;
    throw err;
  });
  if (!actor) redirect(from ? `/login?callbackUrl=${encodeURIComponent(from)}` : '/login');
  if (!hasRole(actor.role, role)) forbidden();
  return actor;
}

export function errorResponse(err: unknown): NextResponse {
  const { status, message, issues } = describeError(err);
  return NextResponse.json(issues ? { error: message, issues } : { error: message }, { status });
}

type RouteCtx<P> = { params: Promise<P> };

/**
 * What apiRoute() checks and reads: the least role, zod schemas of the JSON body, the URL query and the
 * form fields, and how large the body may be (`bodyLimit`, read per request; default: JSON_BODY_LIMIT for
 * JSON, `uploadFormLimit()` for a form).
 */
export type RouteInputs = { role: Role; body?: z.ZodType; query?: z.ZodType; form?: z.ZodType; bodyLimit?: () => BodyLimit };
/** The options of an apiRoute(): inputs plus what the OpenAPI description says (lib/http/openapi.ts). */
export type RouteSpec = RouteInputs & OperationDoc;
/** A route handler made by apiRoute(): its options stay attached (`openapi`, not enumerable) for app/_server/openapi.ts. */
export type ApiRouteHandler<P = Record<string, string>> = ((req: Request, ctx: RouteCtx<P>) => Promise<Response>) & { readonly openapi: RouteSpec };

/**
 * Wraps a route handler: origin and session/role check, then zod parsing of the inputs it declares:
 * `body` (JSON), `query` (URL search parameters; a repeated one counts once), `form` (multipart
 * fields, read only when the handler calls `form()`, so it can refuse a too large request first).
 * Bodies are read within `bodyLimit` (413 past it, chunked or not, nothing more read).
 * The options (with `summary`, `description`, `responses`, `rawBody`) are what GET /api/openapi.json
 * describes: declare what the handler reads here rather than parsing it by hand.
 */
export function apiRoute<B extends z.ZodType = z.ZodUndefined, P = Record<string, string>, Q extends z.ZodType = z.ZodUndefined, F extends z.ZodType = z.ZodUndefined>(
  opts: { role: Role; body?: B; query?: Q; form?: F; bodyLimit?: () => BodyLimit } & OperationDoc,
  handler: (args: { actor: Actor; body: z.output<B>; query: z.output<Q>; form: () => Promise<z.output<F>>; req: Request; params: P }) => Promise<Response | unknown>,
): ApiRouteHandler<P> {
  const route = async (req: Request, ctx: RouteCtx<P>): Promise<Response> => {
    try {
      const verdict = originVerdict(req.method, req.headers);
      if (!verdict.ok) {
        console.warn(`masklab: refused a cross-site ${req.method} ${new URL(req.url).pathname} (${verdict.reason})`);
        return NextResponse.json({ error: CROSS_SITE_MESSAGE }, { status: 403 });
      }
      const actor = requireRole(await getActor(), opts.role);
      if (opts.sessionOnly && !(await currentSessionId())) {
        throw new ForbiddenError('This needs a signed-in session (the web page), not an API token');
      }
      const query = (opts.query ? opts.query.parse(Object.fromEntries(new URL(req.url).searchParams)) : undefined) as z.output<Q>;
      let body = undefined as z.output<B>;
      if (opts.body) {
        const bytes = await readRequestBody(req, opts.bodyLimit?.() ?? { maxBytes: JSON_BODY_LIMIT, what: 'The JSON body' });
        let raw: unknown;
        try {
          raw = JSON.parse(new TextDecoder().decode(bytes));
        } catch {
          throw new UserError('The request body must be JSON');
        }
        body = opts.body.parse(raw);
      }
      const form = async (): Promise<z.output<F>> => {
        if (!opts.form) throw new Error('apiRoute: form() needs a `form` schema in the options');
        return readForm(req, opts.form, opts.bodyLimit?.()) as Promise<z.output<F>>;
      };
      const params = (await ctx?.params) as P;
      const out = await handler({ actor, body, query, form, req, params });
      return out instanceof Response ? out : NextResponse.json(out ?? { ok: true });
    } catch (err) {
      return errorResponse(err);
    }
  };
  return Object.defineProperty(route, 'openapi', { value: opts, enumerable: false }) as ApiRouteHandler<P>;
}

/** Whether an object schema's field is an array (after optional/default/nullable wrappers). */
function isArrayField(schema: z.ZodType, key: string): boolean {
  let field = (schema as { shape?: Record<string, z.ZodType> }).shape?.[key] as { _zod: { def: { type: string; innerType?: unknown } } } | undefined;
  while (field && field._zod.def.innerType) field = field._zod.def.innerType as typeof field;
  return field?._zod.def.type === 'array';
}

/** Room for a multipart body's boundaries and part headers around its files. */
export const FORM_ENVELOPE = 64 * 1024;

/** A form of one image (or the default of a form): MASKLAB_MAX_UPLOAD_MB plus the multipart envelope. */
export function uploadFormLimit(what = 'The request'): BodyLimit {
  return { maxBytes: config().maxUploadBytes, envelope: FORM_ENVELOPE, what, setting: 'MASKLAB_MAX_UPLOAD_MB' };
}

/**
 * A multipart/form-data body, validated with `schema` (a z.object): a field the schema types as an
 * array gets every value, any other its one value; empty text fields count as absent. The body is
 * read through the limiter first (at most `limit` in memory, 413 past it), then parsed.
 */
export async function readForm(req: Request, schema: z.ZodType, limit: BodyLimit = uploadFormLimit()): Promise<unknown> {
  if (!(req.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    const fields = Object.keys((schema as { shape?: Record<string, unknown> }).shape ?? {});
    throw new UserError(`Send the request as multipart/form-data${fields.length ? ` with the field${fields.length > 1 ? 's' : ''} ${fields.map((f) => `"${f}"`).join(', ')}` : ''}`);
  }
  const bytes = await readRequestBody(req, limit);
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { 'content-type': req.headers.get('content-type')! } }).formData();
  } catch {
    throw new UserError('The multipart body could not be read');
  }
  const raw: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) {
    const values = form.getAll(key).filter((v) => v !== '');
    if (values.length) raw[key] = isArrayField(schema, key) ? values : values[0];
  }
  return schema.parse(raw);
}

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: string };

/** Wraps a server action: session/role check and zod parsing; errors come back as messages. */
export function serverAction<S extends z.ZodType, T>(
  opts: { role: Role; input: S },
  fn: (input: z.output<S>, actor: Actor) => Promise<T>,
) {
  return async (raw: z.input<S>): Promise<ActionResult<T>> => {
    try {
      // Next.js compares Origin with Host for server actions too; this also covers
      // NEXTAUTH_URL and Sec-Fetch-Site, and does not depend on the framework.
      const verdict = originVerdict('POST', await headers());
      if (!verdict.ok) {
        console.warn(`masklab: refused a cross-site server action (${verdict.reason})`);
        return { ok: false, error: CROSS_SITE_MESSAGE };
      }
      const actor = requireRole(await getActor(), opts.role);
      const input = opts.input.parse(raw);
      return { ok: true, data: await fn(input, actor) };
    } catch (err) {
      return { ok: false, error: describeError(err).message };
    }
  };
}
