// Every route module under app/api, for the OpenAPI description (app/_server/openapi.ts).
// A new route is one line here (its folder → its module); tests/unit/openapi.test.ts walks
// app/api/**/route.ts and fails until it is listed (and when a listed one is gone).
// Lazy imports: no module is loaded before the description is asked for, and the description's
// own routes may list themselves.
type RouteModule = Record<string, unknown>;

export const API_ROUTES: Record<string, () => Promise<RouteModule>> = {
  '/api/admin/users': () => import('@/app/api/admin/users/route'),
  '/api/admin/users/[id]': () => import('@/app/api/admin/users/[id]/route'),
  '/api/admin/users/[id]/password': () => import('@/app/api/admin/users/[id]/password/route'),
  '/api/admin/users/[id]/sessions': () => import('@/app/api/admin/users/[id]/sessions/route'),
  '/api/admin/users/[id]/sessions/[sessionId]': () => import('@/app/api/admin/users/[id]/sessions/[sessionId]/route'),
  '/api/admin/webhooks': () => import('@/app/api/admin/webhooks/route'),
  '/api/admin/webhooks/[id]': () => import('@/app/api/admin/webhooks/[id]/route'),
  '/api/admin/webhooks/[id]/secret': () => import('@/app/api/admin/webhooks/[id]/secret/route'),
  '/api/admin/webhooks/[id]/test': () => import('@/app/api/admin/webhooks/[id]/test/route'),
  '/api/admin/webhooks/deliveries/[id]/redeliver': () => import('@/app/api/admin/webhooks/deliveries/[id]/redeliver/route'),
  '/api/dashboard': () => import('@/app/api/dashboard/route'),
  '/api/docs': () => import('@/app/api/docs/route'),
  '/api/export': () => import('@/app/api/export/route'),
  '/api/exports': () => import('@/app/api/exports/route'),
  '/api/faces': () => import('@/app/api/faces/route'),
  '/api/faces/[id]': () => import('@/app/api/faces/[id]/route'),
  '/api/faces/[id]/history': () => import('@/app/api/faces/[id]/history/route'),
  '/api/faces/[id]/image': () => import('@/app/api/faces/[id]/image/route'),
  '/api/imports': () => import('@/app/api/imports/route'),
  '/api/imports/[id]': () => import('@/app/api/imports/[id]/route'),
  '/api/label-errors': () => import('@/app/api/label-errors/route'),
  '/api/label-errors/[faceId]/keep': () => import('@/app/api/label-errors/[faceId]/keep/route'),
  '/api/labels': () => import('@/app/api/labels/route'),
  '/api/labels/accept': () => import('@/app/api/labels/accept/route'),
  '/api/labels/queue': () => import('@/app/api/labels/queue/route'),
  '/api/labels/undo': () => import('@/app/api/labels/undo/route'),
  '/api/me': () => import('@/app/api/me/route'),
  '/api/models/promoted': () => import('@/app/api/models/promoted/route'),
  '/api/models/rollback': () => import('@/app/api/models/rollback/route'),
  '/api/models/run/[runId]/[file]': () => import('@/app/api/models/run/[runId]/[file]/route'),
  '/api/models/static/[version]/[file]': () => import('@/app/api/models/static/[version]/[file]/route'),
  '/api/openapi.json': () => import('@/app/api/openapi.json/route'),
  '/api/photos': () => import('@/app/api/photos/route'),
  '/api/photos/[id]': () => import('@/app/api/photos/[id]/route'),
  '/api/photos/[id]/faces': () => import('@/app/api/photos/[id]/faces/route'),
  '/api/photos/[id]/image': () => import('@/app/api/photos/[id]/image/route'),
  '/api/photos/[id]/thumb': () => import('@/app/api/photos/[id]/thumb/route'),
  '/api/photos/zip': () => import('@/app/api/photos/zip/route'),
  '/api/predict': () => import('@/app/api/predict/route'),
  '/api/preview/capture': () => import('@/app/api/preview/capture/route'),
  '/api/reviews': () => import('@/app/api/reviews/route'),
  '/api/reviews/[id]/answer': () => import('@/app/api/reviews/[id]/answer/route'),
  '/api/reviews/[id]/resolve': () => import('@/app/api/reviews/[id]/resolve/route'),
  '/api/reviews/next': () => import('@/app/api/reviews/next/route'),
  '/api/runs': () => import('@/app/api/runs/route'),
  '/api/runs/[id]': () => import('@/app/api/runs/[id]/route'),
  '/api/runs/[id]/promote': () => import('@/app/api/runs/[id]/promote/route'),
  '/api/sessions': () => import('@/app/api/sessions/route'),
  '/api/sessions/[id]': () => import('@/app/api/sessions/[id]/route'),
  '/api/tokens': () => import('@/app/api/tokens/route'),
  '/api/tokens/[id]': () => import('@/app/api/tokens/[id]/route'),
  '/api/training/retrain': () => import('@/app/api/training/retrain/route'),
  '/api/training/status': () => import('@/app/api/training/status/route'),
};

/** Routes under app/api the description leaves out, and why. */
export const NOT_DESCRIBED: Record<string, string> = {
  '/api/auth/[...nextauth]':
    "next-auth's own endpoints (sign-in form post, session, CSRF token, sign-out) serve the web page's sign-in; API clients use an API token instead",
};
