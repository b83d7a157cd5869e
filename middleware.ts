// First line of defence: no page or API route (except sign-in) is reached without a
// session cookie. Role checks happen in app/_server/guard.ts, which every handler uses.
import { type NextRequest, NextResponse } from 'next/server';
import { getToken } from 'next-auth/jwt';
import { config as appConfig } from '@/lib/config';
import { authSecret } from '@/lib/auth/secret';

const PUBLIC = [/^\/login$/, /^\/api\/auth\//];

export async function middleware(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (PUBLIC.some((re) => re.test(pathname))) return NextResponse.next();
  const cfg = appConfig();
  const token = await getToken({ req, secret: authSecret(cfg.dataDir, cfg.nextAuthSecret) });
  const bearer = req.headers.get('authorization')?.startsWith('Bearer ');
  if (token || (bearer && pathname.startsWith('/api/'))) return NextResponse.next();
  if (pathname.startsWith('/api/')) return NextResponse.json({ error: 'Sign in required' }, { status: 401 });
  const url = req.nextUrl.clone();
  url.pathname = '/login';
  url.search = `?callbackUrl=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(url);
}

export const config = {
  runtime: 'nodejs',
  // The upload routes skip the middleware: Next.js 15.5's Node.js middleware intermittently breaks
  // request bodies it forwards ("Response body object should not be disturbed or locked",
  // vercel/next.js#83453, fixed only in 16). Their handlers still refuse anonymous calls (apiRoute).
  matcher: ['/((?!_next/static|_next/image|favicon.ico|api/photos$|api/photos/zip$).*)'],
};
