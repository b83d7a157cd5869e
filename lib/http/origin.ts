// Cross-site request refusal (CSRF): a state-changing request that carries the session
// cookie must come from the app's own pages. Pure: the guard passes the headers in.
//
// Rule, for methods other than GET/HEAD/OPTIONS:
// - `Origin` present: it must be the app's origin (NEXTAUTH_URL's when set, else the
//   request's Host, any scheme); `Origin: null` (sandboxed or privacy-redirected) is refused.
// - no `Origin`: `Sec-Fetch-Site` must be `same-origin` or `none` (typed URL, bookmark).
// - neither header: allowed. Browsers send `Origin` on every cross-site POST (and
//   `Sec-Fetch-Site` on every request), so such a request is a non-browser client (curl, a
//   script with a cookie), which could send any header it likes anyway.
// Requests authenticated by an API token (`Authorization: Bearer`) without any cookie are
// not checked: a browser cannot be made to attach that header cross-site.

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type OriginCheckInput = {
  method: string;
  origin: string | null;
  secFetchSite: string | null;
  host: string | null;
  /** NEXTAUTH_URL when it is set explicitly. */
  appUrl?: string;
  cookie: string | null;
  authorization: string | null;
};

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

export function checkOrigin(i: OriginCheckInput): OriginVerdict {
  if (SAFE_METHODS.has(i.method.toUpperCase())) return { ok: true };
  if (/^Bearer\s+\S/.test(i.authorization ?? '') && !i.cookie) return { ok: true };
  if (i.origin !== null && i.origin !== '') {
    if (i.origin === 'null') return { ok: false, reason: 'opaque origin' };
    let origin: URL;
    try {
      origin = new URL(i.origin);
    } catch {
      return { ok: false, reason: 'malformed Origin' };
    }
    if (i.appUrl) {
      try {
        if (origin.origin === new URL(i.appUrl).origin) return { ok: true };
      } catch {
        /* a bad NEXTAUTH_URL is refused by lib/config */
      }
      return { ok: false, reason: `Origin ${origin.origin} is not ${i.appUrl}` };
    }
    if (i.host && origin.host.toLowerCase() === i.host.toLowerCase()) return { ok: true };
    return { ok: false, reason: `Origin ${origin.origin} does not match the host ${i.host ?? '(none)'}` };
  }
  const site = i.secFetchSite?.toLowerCase();
  if (site === undefined || site === '') return { ok: true }; // not a browser: see above
  if (site === 'same-origin' || site === 'none') return { ok: true };
  return { ok: false, reason: `Sec-Fetch-Site: ${site}` };
}

export const CROSS_SITE_MESSAGE = 'Cross-site request refused';
