// Where to go after signing in: only a path inside this app. Anything that a browser could
// read as another host (`//evil`, `/\evil`, `https://evil`, `javascript:`) becomes `/`.

/**
 * A safe in-app path for `raw` (a `callbackUrl`), or `/`. `appOrigin` (e.g. `http://host:3000`)
 * lets an absolute URL that points at the app itself through, reduced to its path.
 */
export function safeCallbackPath(raw: unknown, appOrigin?: string): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return '/';
  // URL parsers strip or reinterpret control characters, whitespace and backslashes
  // (`/\evil` is `//evil`); a path the app made itself is percent-encoded and has none.
  if (/[\u0000-\u0020\u007f\\]/.test(raw)) return '/';
  const base = 'http://masklab.invalid';
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return '/';
  }
  const sameApp = url.origin === base || (appOrigin !== undefined && url.origin === safeOrigin(appOrigin));
  if (!sameApp) return '/';
  // A relative input must itself be a path: `example.org/x` or `?x` resolve against the base too.
  if (url.origin === base && !raw.startsWith('/')) return '/';
  const path = url.pathname + url.search + url.hash;
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/';
  return path;
}

function safeOrigin(u: string): string | undefined {
  try {
    return new URL(u).origin;
  } catch {
    return undefined;
  }
}
