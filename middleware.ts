// First line of defence: no page or API route (except sign-in) is reached without a
// session cookie or an API token. It only checks that one is present; the handlers verify
// it, reload the user and check the role through app/_server/guard.ts, so a forged or
// stale cookie gets no further than a 401 or the sign-in page.
// Edge runtime on purpose: Next.js 15.5's Node.js middleware can break the request
// bodies it forwards (vercel/next.js#83453), which broke multipart uploads.
import { type NextRequest, NextResponse } from 'next/server';

const PUBLIC = [/^\/login$/, /^\/api\/auth\//];
const SESSION_COOKIES = ['next-auth.session-token', '__Secure-next-auth.session-token'];

export function middleware(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (PUBLIC.some((re) => re.test(pathname))) return NextResponse.next();
  // next-auth splits large tokens into "<name>.0", "<name>.1", ...
  const session = req.cookies.getAll().some((c) => SESSION_COOKIES.some((n) => c.name === n || c.name.startsWith(`${n}.`)));
  const bearer = pathname.startsWith('/api/') && /^Bearer \S+/.test(req.headers.get('authorization') ?? '');
  if (session || bearer) return NextResponse.next();
  if (pathname.startsWith('/api/')) return NextResponse.json({ error: 'Sign in required' }, { status: 401 });
  const url = req.nextUrl.clone();
  url.pathname = '/login';
  url.search = `?callbackUrl=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(url);
}

// Upload routes are left out of the matcher: Next.js buffers the body of every request the
// middleware sees and cuts it at 10 MB ("Request body exceeded 10MB"), which broke photos and zips
// over 10 MB. They are exact paths (not /api/photos/<id>/…), and their handlers check the session
// and role themselves through apiRoute (401 before a byte of the body is read); the zip route
// enforces MASKLAB_MAX_ZIP_MB while streaming, the photo route MASKLAB_MAX_UPLOAD_MB.
export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico|api/photos$|api/photos/zip$).*)'],
};
