// Request bodies read within a size limit, whatever their framing: the one limiter that
// apiRoute's JSON and form readers (app/_server/guard.ts) and the zip upload's disk writer
// (lib/import/incoming.ts) go through. It pulls the stream chunk by chunk and stops at the
// first chunk that passes the limit, so a chunked body (no Content-Length) of any size costs at
// most the limit in memory, and a declared Content-Length over it is refused before a byte is read.
import { UserError } from '../errors';

/** The limit of a JSON body unless the route sets its own: a bulk label action (5,000 face ids) is ~150 KB. */
export const JSON_BODY_LIMIT = 1024 * 1024;

/**
 * How large a body may be, and how the 413 names it: "<what> is larger than the <maxBytes> limit (<setting>): <hint>".
 * `envelope`: bytes allowed on top that the message leaves out (a multipart body's boundaries and part headers).
 */
export type BodyLimit = { maxBytes: number; what: string; setting?: string; hint?: string; envelope?: number };

/** The most bytes a body within `limit` may have. */
export const bodyBytesAllowed = (limit: BodyLimit) => limit.maxBytes + (limit.envelope ?? 0);

const mb = (n: number) => (n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${Math.round((n / 1024 / 1024) * 10) / 10} MB`);

/** The 413 a body over `maxBytes` gets; the message names the limit (and the setting that raises it). */
export function tooLarge(what: string, maxBytes: number, setting?: string, hint?: string): UserError {
  return new UserError(`${what} is larger than the ${mb(maxBytes)} limit${setting ? ` (${setting})` : ''}${hint ? `: ${hint}` : ''}`, 413);
}

const refuse = (limit: BodyLimit) => tooLarge(limit.what, limit.maxBytes, limit.setting, limit.hint);

/**
 * Refuses at once a request whose declared Content-Length is over `maxBytes` (413), before a
 * byte of the body is read. A missing or unparsable header passes: the stream is capped anyway.
 */
export function checkDeclaredLength(contentLength: string | null, maxBytes: number, what: string, setting?: string): void {
  if (declaredOver(contentLength, maxBytes)) throw tooLarge(what, maxBytes, setting);
}

function declaredOver(contentLength: string | null, maxBytes: number): boolean {
  const n = Number(contentLength ?? '');
  return !!contentLength && Number.isFinite(n) && n > maxBytes;
}

const isWebStream = (body: unknown): body is ReadableStream<Uint8Array> => typeof (body as ReadableStream).getReader === 'function';

/**
 * The chunks of `body`, as they arrive, while their total stays within the limit (bodyBytesAllowed): the
 * chunk that passes it is not passed on; the stream is cancelled (nothing more is pulled) and a
 * 413 UserError thrown instead.
 */
export async function* limitedChunks(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, limit: BodyLimit): AsyncGenerator<Uint8Array> {
  const reader = isWebStream(body) ? body.getReader() : null;
  const iterator = reader ? null : (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const allowed = bodyBytesAllowed(limit);
  let total = 0;
  let finished = false;
  try {
    for (;;) {
      const { value, done } = reader ? await reader.read() : await iterator!.next();
      if (done) {
        finished = true;
        return;
      }
      total += value.byteLength;
      if (total > allowed) throw refuse(limit);
      yield value;
    }
  } finally {
    if (!finished) {
      // Over the limit, a read error, or the consumer stopped: pull nothing more.
      await (reader ? reader.cancel() : iterator!.return?.())?.catch(() => {});
    }
    reader?.releaseLock();
  }
}

/** The whole of `body` in memory, at most the limit of it (413 past that, see limitedChunks). A missing body is empty. */
export async function readLimited(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null, limit: BodyLimit): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (body) {
    for await (const chunk of limitedChunks(body, limit)) {
      chunks.push(chunk);
      size += chunk.byteLength;
    }
  }
  const out = new Uint8Array(size);
  let at = 0;
  // Shifted out one by one, so each chunk can be collected once copied.
  for (let c = chunks.shift(); c; c = chunks.shift()) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** A request's body within `limit`: 413 by its declared Content-Length before reading, else while reading. */
export async function readRequestBody(req: { headers: Headers; body: ReadableStream<Uint8Array> | null }, limit: BodyLimit): Promise<Uint8Array<ArrayBuffer>> {
  if (declaredOver(req.headers.get('content-length'), bodyBytesAllowed(limit))) throw refuse(limit);
  return readLimited(req.body, limit);
}
