// Content-Security-Policy for the HTML pages (set per request by middleware.ts with a fresh
// nonce; Next.js puts that nonce on its own inline scripts). Edge-safe: no Node imports.
//
// - script-src: the app's own files, nonce'd inline scripts, 'wasm-unsafe-eval' for the
//   TF.js wasm backend, blob: because its threaded build starts workers that importScripts()
//   a blob of its own code. No 'unsafe-inline', no 'unsafe-eval' (except under `next dev`,
//   whose hot reloading needs it).
// - style-src 'unsafe-inline': React `style={{…}}` attributes (box overlays, class colours).
// - img-src blob: data: for upload/camera previews and canvas snapshots.
// - worker-src blob: for the wasm threads; connect-src 'self' for the API and model files.

export function pageCsp(nonce: string, opts: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'wasm-unsafe-eval' blob:${opts.dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    "font-src 'self' data:",
    `connect-src 'self' blob: data:${opts.dev ? ' ws: wss:' : ''}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}
