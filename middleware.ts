// First line of defence: no page or API route (except sign-in) is reached without a
// session cookie or an API token. It only checks that one is present; the handlers verify
// it, reload the user and check the role through app/_server/guard.ts, so a forged or
// stale cookie, or one whose session was signed out or revoked (the stored Session, which
// the edge runtime cannot read), gets no further than a 401 or the sign-in page.
// Edge runtime on purpose: Next.js 15.5's Node.js middleware can break the request
// bodies it forwards (vercel/next.js#83453), which broke multipart uploads.
// It also sets the nonce'd Content-Security-Policy of the HTML pages (lib/http/csp.ts);
// every other security header, and the API's own CSP, come from next.config.js headers(),
// which apply to routes this middleware does not run for as well.
import { type NextRequest, NextResponse } from 'next/server';
import { newNonce, pageCsp } from '@/lib/http/csp';

const PUBLIC = [/^\/login$/, /^\/api\/auth\//];
const SESSION_COOKIES = ['next-auth.session-token', '__Secure-next-auth.session-token'];

/** Passes the request on; a page gets a per-request nonce (x-nonce + CSP request header for Next.js) and the CSP. */
function pass(req: NextRequest): NextResponse {
  if (req.nextUrl.pathname.startsWith('/api/')) return NextResponse.next();
  const nonce = newNonce();
  const csp = pageCsp(nonce, { dev: process.env.NODE_ENV === 'development' });
  const headers = new Headers(req.headers);
  headers.set('x-nonce', nonce);
  headers.set('content-security-policy', csp);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set('Content-Security-Policy', csp);
  return res;
}

export function middleware(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (PUBLIC.some((re) => re.test(pathname))) return pass(req);
  // next-auth splits large tokens into "<name>.0", "<name>.1", ...
  const session = req.cookies.getAll().some((c) => SESSION_COOKIES.some((n) => c.name === n || c.name.startsWith(`${n}.`)));
  const bearer = pathname.startsWith('/api/') && /^Bearer \S+/.test(req.headers.get('authorization') ?? '');
  if (session || bearer) return pass(req);
  if (pathname.startsWith('/api/')) return NextResponse.json({ error: 'Sign in required' }, { status: 401 });
  const url = req.nextUrl.clone();
  url.pathname = '/login';
  url.search = `?callbackUrl=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(url);
}

// Routes that take bodies over 10 MB are left out of the matcher: Next.js buffers the body of every
// request the middleware sees and cuts it at 10 MB ("Request body exceeded 10MB"), which broke photos
// and zips over 10 MB (uploads, POST /api/predict, the preview's capture). They are exact paths (not
// /api/photos/<id>/…), and their handlers check the session and role themselves through apiRoute (401
// before a byte of the body is read), then read the body within its limit (lib/http/body.ts): the zip
// route MASKLAB_MAX_ZIP_MB while streaming to disk, the others MASKLAB_MAX_UPLOAD_MB (4 × for uploads).
// The icons (app/favicon.ico, app/icon.svg) are public: the sign-in page shows them too.
export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico$|icon.svg$|api/photos$|api/photos/zip$|api/predict$|api/preview/capture$).*)'],
};
