// GET /api/export's Content-Length: Next.js drops the header a route handler sets and pipes the body chunk by
// chunk (send-response.js), so the handler declares the length in DECLARED_LENGTH_HEADER and the web server's
// patch (instrumentation.ts → installDeclaredLength) sends it as Content-Length. Checked here over real HTTP with
// a handler that answers as Next.js does (headers copied but for content-length, flushHeaders, chunks, end).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECLARED_LENGTH_HEADER, installDeclaredLength } from '@/lib/http/declared-length';

const BODY = Buffer.alloc(300_000, 7);
let server: http.Server;
let base: string;

function nextLike(res: http.ServerResponse, headers: Record<string, string>) {
  for (const [k, v] of Object.entries(headers)) if (!['content-length', 'content-encoding', 'transfer-encoding'].includes(k.toLowerCase())) res.appendHeader(k, v);
  res.flushHeaders();
  for (let i = 0; i < BODY.length; i += 65_536) res.write(BODY.subarray(i, i + 65_536));
  res.end();
}

beforeAll(async () => {
  installDeclaredLength();
  installDeclaredLength(); // idempotent
  server = http.createServer((req, res) => {
    const declared: Record<string, string> = req.url === '/declared' ? { [DECLARED_LENGTH_HEADER]: String(BODY.length) } : {};
    nextLike(res, { 'Content-Type': 'application/zip', 'Content-Length': String(BODY.length), ...declared });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const get = (p: string) =>
  new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http.get(base + p, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
  });

describe('a declared length', () => {
  it('arrives as Content-Length, not chunked, and the private header does not', async () => {
    const { headers, body } = await get('/declared');
    expect(headers['content-length']).toBe(String(BODY.length));
    expect(headers['transfer-encoding']).toBeUndefined();
    expect(headers[DECLARED_LENGTH_HEADER]).toBeUndefined();
    expect(body.equals(BODY)).toBe(true);
  });

  it('leaves other responses as they were (chunked when streamed)', async () => {
    const { headers, body } = await get('/plain');
    expect(headers['content-length']).toBeUndefined();
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(body.length).toBe(BODY.length);
  });
});
