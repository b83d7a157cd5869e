// The app's own origin and the cross-site check, for the guard and the sign-in page.
import { config } from '@/lib/config';
import { checkOrigin, type OriginVerdict } from '@/lib/http/origin';

type HeaderBag = { get(name: string): string | null };

/** `NEXTAUTH_URL`'s origin when set, else scheme + Host of the request. */
export function appOrigin(h: HeaderBag): string | undefined {
  const fixed = config().appUrl;
  if (fixed) return new URL(fixed).origin;
  const host = h.get('host');
  if (!host) return undefined;
  const proto = h.get('x-forwarded-proto')?.split(',')[0].trim() === 'https' ? 'https' : 'http';
  return `${proto}://${host}`;
}

export function originVerdict(method: string, h: HeaderBag): OriginVerdict {
  return checkOrigin({
    method,
    origin: h.get('origin'),
    secFetchSite: h.get('sec-fetch-site'),
    host: h.get('host'),
    appUrl: config().appUrl,
    cookie: h.get('cookie'),
    authorization: h.get('authorization'),
  });
}
