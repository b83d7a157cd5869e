/**
 * `Content-Length` for a streamed route handler response. Next.js (15.5, `sendResponse` in
 * next/dist/server/send-response.js) drops `content-length`, `content-encoding` and `transfer-encoding` from
 * every Response a route handler returns and pipes the body chunk by chunk, so Node sends it chunked: a
 * client downloading an export could show no progress and could not tell a cut download from a whole one.
 *
 * A handler that knows its body's exact length sets `DECLARED_LENGTH_HEADER` instead (which Next.js copies);
 * `installDeclaredLength` (run once by instrumentation.ts in the web server) makes every Node response that
 * carries it send it as `Content-Length` when the headers are written, and removes it. Nothing else changes:
 * responses without the header are untouched, and a response that is already framed otherwise (an explicit
 * Content-Length or Transfer-Encoding, or a compressed body) keeps its framing.
 */
import http from 'node:http';

export const DECLARED_LENGTH_HEADER = 'x-masklab-content-length';

const INSTALLED = Symbol.for('masklab.declaredLength');

export function applyDeclaredLength(res: http.ServerResponse): void {
  const declared = res.getHeader(DECLARED_LENGTH_HEADER);
  if (declared === undefined) return;
  res.removeHeader(DECLARED_LENGTH_HEADER);
  const n = Number(declared);
  if (!Number.isSafeInteger(n) || n < 0) return;
  if (res.hasHeader('content-length') || res.hasHeader('transfer-encoding') || res.hasHeader('content-encoding')) return;
  res.setHeader('Content-Length', String(n));
}

/** Patches `http.ServerResponse.prototype.writeHead` (explicit and implicit header writes both go through it). Idempotent. */
export function installDeclaredLength(): void {
  const proto = http.ServerResponse.prototype as http.ServerResponse & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  const writeHead = proto.writeHead;
  proto.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
    applyDeclaredLength(this);
    return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, args);
  } as typeof proto.writeHead;
  proto[INSTALLED] = true;
}
