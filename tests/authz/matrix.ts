// The authorisation matrix: every route handler method and every server action, with the
// least role that may call it and whether an API token (Authorization: Bearer mlk_…) is
// accepted. tests/unit/authz-matrix.test.ts fails when a route, method or action exists
// without an entry here (or an entry names one that is gone, or a role differs from the
// code); e2e/authz.spec.ts calls every entry as anonymous, viewer, labeler, admin, a
// disabled user and API tokens against the real server.
//
// Adding a route or an action is one line: `'<METHOD> <route folder>': { role, token }`.
// `probe` is what the e2e test sends: a harmless request (a dummy id, an invalid body) so
// that an allowed caller gets a 2xx/4xx answer and nothing changes. Without `probe`, a
// state-changing method sends `{}` as JSON and dynamic segments get dummy values.
import fs from 'node:fs';
import path from 'node:path';
import type { Role } from '../../lib/auth/role-names';

export type Probe = {
  /** URL path to call instead of the one built from the route folder (query allowed). */
  path?: string;
  /** JSON body; `null` sends none. Default: `{}` for state-changing methods, none for GET. */
  body?: unknown;
};
export type RouteAccess = { role: Role | 'public'; token: boolean; probe?: Probe };
/** Server actions are POSTs to pages: the middleware lets only session cookies through, never API tokens. */
export type ActionAccess = { role: Role; token: false };

/** `'<METHOD> /api/…'` (the route folder, dynamic segments as in the file system) → access. */
export const ROUTES: Record<string, RouteAccess> = {
  'GET /api/auth/[...nextauth]': { role: 'public', token: true, probe: { path: '/api/auth/providers' } },
  'POST /api/auth/[...nextauth]': { role: 'public', token: true, probe: { path: '/api/auth/callback/credentials', body: {} } },
  'GET /api/me': { role: 'viewer', token: true },
  'GET /api/admin/users': { role: 'admin', token: true },
  'POST /api/admin/users': { role: 'admin', token: true, probe: { body: { email: 'not-an-email' } } },
  'GET /api/admin/users/[id]/sessions': { role: 'admin', token: true }, // a dummy id: 404
  'DELETE /api/admin/users/[id]/sessions': { role: 'admin', token: true }, // a dummy id: 404
  'DELETE /api/admin/users/[id]/sessions/[sessionId]': { role: 'admin', token: true }, // dummy ids: 404
  'GET /api/faces/[id]/image': { role: 'viewer', token: true },
  'GET /api/faces/[id]': { role: 'viewer', token: true },
  // Box edits: a dummy id is 404, and the probe body is refused (400) before any id is looked up.
  'PATCH /api/faces/[id]': { role: 'labeler', token: true, probe: { body: { x: -1, y: 0, w: 1, h: 1 } } },
  'DELETE /api/faces/[id]': { role: 'labeler', token: true }, // a dummy id: 404
  'GET /api/export': { role: 'admin', token: true }, // no finished export: 404
  'GET /api/exports': { role: 'admin', token: true },
  // `{}` would queue a real export: an unknown split is refused with 400 after the role check.
  'POST /api/exports': { role: 'admin', token: true, probe: { body: { split: 'nope' } } },
  'GET /api/imports': { role: 'labeler', token: true },
  'GET /api/imports/[id]': { role: 'labeler', token: true }, // a dummy id: 404
  'GET /api/labels/queue': { role: 'labeler', token: true, probe: { path: '/api/labels/queue?limit=1' } },
  'POST /api/labels': { role: 'labeler', token: true, probe: { body: { faceIds: ['authz-dummy'], label: 'not-a-class' } } },
  // The probe users have labelled nothing, so there is nothing to undo.
  'POST /api/labels/undo': { role: 'labeler', token: true },
  'POST /api/labels/accept': { role: 'labeler', token: true, probe: { body: { faceIds: ['authz-dummy'], dryRun: true } } },
  'GET /api/models/promoted': { role: 'viewer', token: true },
  'GET /api/models/run/[runId]/[file]': { role: 'viewer', token: true },
  'GET /api/models/static/[version]/[file]': { role: 'viewer', token: true },
  'GET /api/photos/[id]/image': { role: 'viewer', token: true },
  'GET /api/photos/[id]/thumb': { role: 'viewer', token: true },
  'DELETE /api/photos/[id]': { role: 'labeler', token: true },
  'POST /api/photos/[id]/faces': { role: 'labeler', token: true, probe: { body: { x: -1, y: 0, w: 1, h: 1 } } },
  'POST /api/photos': { role: 'labeler', token: true }, // JSON, not multipart: 400
  'POST /api/photos/zip': { role: 'labeler', token: true, probe: { body: null } }, // no body: 400
  'POST /api/predict': { role: 'viewer', token: true }, // JSON, not multipart: 400
  'POST /api/preview/capture': { role: 'labeler', token: true }, // JSON, not multipart: 400
  // `{}` would queue a real retrain: an invalid seed is refused with 400 after the role check.
  'POST /api/training/retrain': { role: 'admin', token: true, probe: { body: { seed: -1 } } },
  'GET /api/training/status': { role: 'viewer', token: true },
  'GET /api/sessions': { role: 'viewer', token: true },
  // `{}` lacks `others: true`: 400, so the probe users' other sessions stay.
  'DELETE /api/sessions': { role: 'viewer', token: true },
  'DELETE /api/sessions/[id]': { role: 'viewer', token: true }, // a dummy id: 404
  // Lists (cursor pagination) and reads
  'GET /api/faces': { role: 'viewer', token: true, probe: { path: '/api/faces?limit=1' } },
  'GET /api/faces/[id]/history': { role: 'viewer', token: true }, // a dummy id: 404
  'GET /api/photos': { role: 'viewer', token: true, probe: { path: '/api/photos?limit=1' } },
  'GET /api/photos/[id]': { role: 'viewer', token: true }, // a dummy id: 404
  'GET /api/runs': { role: 'viewer', token: true, probe: { path: '/api/runs?limit=1' } },
  'GET /api/runs/[id]': { role: 'viewer', token: true }, // a dummy id: 404
  'POST /api/runs/[id]/promote': { role: 'admin', token: true }, // a dummy id: 404
  // `{}` would roll back for real: an unknown field is refused with 400 after the role check.
  'POST /api/models/rollback': { role: 'admin', token: true, probe: { body: { x: 1 } } },
  'GET /api/dashboard': { role: 'viewer', token: true },
  'GET /api/label-errors': { role: 'viewer', token: true, probe: { path: '/api/label-errors?limit=1' } },
  // `{}` would queue a real job: one fold is refused with 400 after the role check.
  'POST /api/label-errors': { role: 'admin', token: true, probe: { body: { folds: 1 } } },
  'POST /api/label-errors/[faceId]/keep': { role: 'labeler', token: true }, // a dummy id: 404
  'GET /api/reviews': { role: 'admin', token: true },
  'POST /api/reviews': { role: 'admin', token: true, probe: { body: { share: 0 } } }, // share 0: 400
  // Claims a review when one is pending: the probe users have none assigned and the e2e data asks for none.
  'GET /api/reviews/next': { role: 'labeler', token: true },
  'POST /api/reviews/[id]/answer': { role: 'labeler', token: true, probe: { body: { label: 'not-a-class' } } },
  'POST /api/reviews/[id]/resolve': { role: 'admin', token: true, probe: { body: { label: 'not-a-class' } } },
  // Account: tokens
  'GET /api/tokens': { role: 'viewer', token: true },
  // A token cannot make tokens (apiRoute `sessionOnly`: 403 before the body is read); `{ name: '' }`: 400 for a session.
  'POST /api/tokens': { role: 'viewer', token: false, probe: { body: { name: '' } } },
  'DELETE /api/tokens/[id]': { role: 'viewer', token: true }, // a dummy id: 404
  // Admin: users and webhooks
  'PATCH /api/admin/users/[id]': { role: 'admin', token: true }, // `{}`: 400
  'POST /api/admin/users/[id]/password': { role: 'admin', token: true }, // a dummy id: 404
  'GET /api/admin/webhooks': { role: 'admin', token: true },
  'POST /api/admin/webhooks': { role: 'admin', token: true }, // `{}`: 400
  'PATCH /api/admin/webhooks/[id]': { role: 'admin', token: true }, // `{}`: 400
  'DELETE /api/admin/webhooks/[id]': { role: 'admin', token: true }, // a dummy id: 404
  'POST /api/admin/webhooks/[id]/secret': { role: 'admin', token: true }, // a dummy id: 404
  'POST /api/admin/webhooks/[id]/test': { role: 'admin', token: true }, // a dummy id: 404
  'POST /api/admin/webhooks/deliveries/[id]/redeliver': { role: 'admin', token: true }, // a dummy id: 404
  'GET /api/openapi.json': { role: 'viewer', token: true },
  'GET /api/docs': { role: 'viewer', token: true },
};

/** `'<file under app/> <exported name>'` → access. */
export const ACTIONS: Record<string, ActionAccess> = {
  '(app)/account/actions.ts changePasswordAction': { role: 'viewer', token: false },
  '(app)/account/actions.ts createTokenAction': { role: 'viewer', token: false },
  '(app)/account/actions.ts revokeTokenAction': { role: 'viewer', token: false },
  '(app)/account/actions.ts revokeSessionAction': { role: 'viewer', token: false },
  '(app)/account/actions.ts revokeOtherSessionsAction': { role: 'viewer', token: false },
  '(app)/admin/users/actions.ts createUserAction': { role: 'admin', token: false },
  '(app)/admin/users/actions.ts setRoleAction': { role: 'admin', token: false },
  '(app)/admin/users/actions.ts setDisabledAction': { role: 'admin', token: false },
  '(app)/admin/users/actions.ts resetPasswordAction': { role: 'admin', token: false },
  '(app)/admin/users/actions.ts revokeUserSessionAction': { role: 'admin', token: false },
  '(app)/admin/users/actions.ts revokeUserSessionsAction': { role: 'admin', token: false },
  '(app)/admin/webhooks/actions.ts createWebhookAction': { role: 'admin', token: false },
  '(app)/admin/webhooks/actions.ts setWebhookEnabledAction': { role: 'admin', token: false },
  '(app)/admin/webhooks/actions.ts setWebhookEventsAction': { role: 'admin', token: false },
  '(app)/admin/webhooks/actions.ts deleteWebhookAction': { role: 'admin', token: false },
  '(app)/admin/webhooks/actions.ts rotateWebhookSecretAction': { role: 'admin', token: false },
  '(app)/admin/webhooks/actions.ts revealWebhookSecretAction': { role: 'admin', token: false },
  '(app)/admin/webhooks/actions.ts sendTestEventAction': { role: 'admin', token: false },
  '(app)/admin/webhooks/actions.ts redeliverAction': { role: 'admin', token: false },
  '(app)/dashboard/actions.ts setTargetsAction': { role: 'admin', token: false },
  '(app)/dashboard/actions.ts computeApparentAction': { role: 'admin', token: false },
  '(app)/reviews/actions.ts requestReviewsAction': { role: 'admin', token: false },
  '(app)/reviews/actions.ts answerReviewAction': { role: 'labeler', token: false },
  '(app)/reviews/actions.ts resolveReviewAction': { role: 'admin', token: false },
  '(app)/reviews/label-errors/actions.ts findLabelErrorsAction': { role: 'admin', token: false },
  '(app)/reviews/label-errors/actions.ts keepLabelAction': { role: 'labeler', token: false },
  '(app)/reviews/label-errors/actions.ts relabelAction': { role: 'labeler', token: false },
  '(app)/dataset/map/actions.ts computeMapAction': { role: 'admin', token: false },
  '(app)/training/actions.ts retrainAction': { role: 'admin', token: false },
  '(app)/training/actions.ts cancelJobAction': { role: 'admin', token: false },
  '(app)/training/actions.ts promoteAction': { role: 'admin', token: false },
  '(app)/training/actions.ts rollbackAction': { role: 'admin', token: false },
  '(app)/training/actions.ts markEvalSetAction': { role: 'admin', token: false },
  '(app)/training/actions.ts setRequireNoEvalDropAction': { role: 'admin', token: false },
  '(app)/training/actions.ts exportAction': { role: 'admin', token: false },
};

// ---- What the file system has -------------------------------------------------------------

export const APP_DIR = path.join(__dirname, '..', '..', 'app');
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

function walk(dir: string, match: (name: string) => boolean, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, match, out);
    else if (match(e.name)) out.push(p);
  }
  return out;
}

const posix = (p: string) => p.split(path.sep).join('/');

export type RouteOnDisk = { key: string; method: string; route: string; file: string; src: string };

/** Every exported HTTP method of every route.ts under app/api/ (`export const GET =`, `export function`, `export { h as GET }`). */
export function routesOnDisk(appDir = APP_DIR): RouteOnDisk[] {
  const out: RouteOnDisk[] = [];
  for (const file of walk(path.join(appDir, 'api'), (n) => /^route\.(ts|tsx|js)$/.test(n))) {
    const src = fs.readFileSync(file, 'utf8');
    const route = '/' + posix(path.relative(appDir, path.dirname(file)));
    for (const method of HTTP_METHODS) {
      const re = new RegExp(`export\\s+(const|let|var|async\\s+function|function)\\s+${method}\\b|export\\s*\\{[^}]*\\b(as\\s+)?${method}\\b[^}]*\\}`);
      if (re.test(src)) out.push({ key: `${method} ${route}`, method, route, file: posix(path.relative(appDir, file)), src });
    }
  }
  return out;
}

export type ActionOnDisk = { key: string; file: string; name: string; role: string | null };

/** Every export of every `'use server'` file under app/, with the role its serverAction() names. */
export function actionsOnDisk(appDir = APP_DIR): ActionOnDisk[] {
  const out: ActionOnDisk[] = [];
  for (const file of walk(appDir, (n) => /\.(ts|tsx)$/.test(n))) {
    const src = fs.readFileSync(file, 'utf8');
    if (!/^\s*['"]use server['"]/.test(src)) continue;
    const rel = posix(path.relative(appDir, file));
    const names = [
      ...[...src.matchAll(/^export\s+(?:const|let|var|async\s+function|function)\s+(\w+)/gm)].map((m) => m[1]),
      ...[...src.matchAll(/^export\s*\{([^}]*)\}/gm)].flatMap((m) => m[1].split(',').map((s) => s.trim().split(/\s+as\s+/).pop()!).filter(Boolean)),
    ];
    for (const name of names) {
      const m = new RegExp(`export\\s+const\\s+${name}\\s*=\\s*serverAction(?:<[^(]*>)?\\(\\s*\\{\\s*role:\\s*'(\\w+)'`).exec(src);
      out.push({ key: `${rel} ${name}`, file: rel, name, role: m ? m[1] : null });
    }
  }
  return out;
}

/** The role an apiRoute() call names for `method` in a route file's source, or null. */
export function routeRoleInSource(src: string, method: string): string | null {
  const m = new RegExp(`export\\s+const\\s+${method}\\s*=\\s*apiRoute(?:<[^(]*>)?\\(\\s*\\{\\s*role:\\s*'(\\w+)'`).exec(src);
  return m ? m[1] : null;
}

/** Whether the method's apiRoute() options say `sessionOnly: true` (API tokens refused). */
export function routeSessionOnlyInSource(src: string, method: string): boolean {
  const start = new RegExp(`export\\s+const\\s+${method}\\s*=\\s*apiRoute`).exec(src);
  if (!start) return false;
  const rest = src.slice(start.index + start[0].length);
  const end = rest.search(/\n\s*async\s*\(/); // the options end where the handler begins
  return /sessionOnly:\s*true/.test(end < 0 ? rest : rest.slice(0, end));
}

/** The URL the e2e test calls for a route: the probe's path, or the folder with dummy segments. */
export function probePath(route: string, probe?: Probe): string {
  if (probe?.path) return probe.path;
  return route.replace(/\[\.\.\.(\w+)\]/g, 'authz-$1/x').replace(/\[(\w+)\]/g, (_, name: string) => (name === 'file' ? 'model.json' : `authz-${name}`));
}

/** Url of the page an action runs on, from a `.next` worker name like `app/(app)/account/page`. */
export function pageUrlOfWorker(worker: string): string {
  const segs = worker.replace(/^app\//, '').replace(/\/page$/, '').split('/').filter((s) => s && !/^\(.*\)$/.test(s));
  return '/' + segs.join('/');
}
