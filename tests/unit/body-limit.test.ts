// Request bodies are read within their route's limit whatever their framing (issue 20 item 2):
// the one limiter (lib/http/body.ts) stops pulling at the chunk that passes the limit, so a chunked
// body without Content-Length costs at most the limit in memory and gets a 413 naming it.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readForm } from '@/app/_server/guard';
import { UserError } from '@/lib/errors';
import { buildOpenApi } from '@/lib/http/openapi';
import { type BodyLimit, limitedChunks, readLimited, readRequestBody } from '@/lib/http/body';
import { config as middlewareConfig } from '@/middleware';
import { routesOnDisk } from '../authz/matrix';

const KB = 1024;
const limit = (maxBytes: number, more: Partial<BodyLimit> = {}): BodyLimit => ({ maxBytes, what: 'The JSON body', ...more });

/** An endless stream of 1 KB chunks that counts how many were pulled, and whether it was cancelled. */
function endless(chunk = KB) {
  const seen = { pulls: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        seen.pulls++;
        c.enqueue(new Uint8Array(chunk));
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 }, // pulled only when read: the count is what the limiter asked for
  );
  return { stream, seen };
}

/** `bytes` in chunks of `size`, as a stream that ends. */
const streamOf = (bytes: Uint8Array, size: number) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size));
      c.close();
    },
  });

async function rejection(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe('the body limiter', () => {
  it('gives a body of exactly the limit whole, and refuses one byte more with 413 naming the limit', async () => {
    const bytes = Uint8Array.from({ length: 10 * KB }, (_, i) => i % 251);
    expect(Array.from(await readLimited(streamOf(bytes, 3000), limit(10 * KB)))).toEqual(Array.from(bytes));
    const over = new Uint8Array(10 * KB + 1);
    const err = await rejection(readLimited(streamOf(over, 3000), limit(10 * KB)));
    expect(err.status).toBe(413);
    expect(err.message).toBe('The JSON body is larger than the 10 KB limit');
    const named = await rejection(readLimited(streamOf(new Uint8Array(2 * 1024 * KB + 1), 64 * KB), limit(2 * 1024 * KB, { setting: 'MASKLAB_MAX_UPLOAD_MB', hint: 'send less' })));
    expect(named.message).toBe('The JSON body is larger than the 2 MB limit (MASKLAB_MAX_UPLOAD_MB): send less');
  });

  it('stops pulling a chunked body at the chunk that passes the limit, and cancels the stream', async () => {
    const { stream, seen } = endless();
    const err = await rejection(readLimited(stream, limit(10 * KB)));
    expect(err.status).toBe(413);
    expect(seen.pulls).toBe(11); // ten chunks within the limit, the eleventh passes it; nothing after
    expect(seen.cancelled).toBe(true);
  });

  it('passes chunks on as they come (the zip upload writes them to disk), refusing the one past the limit', async () => {
    const { stream, seen } = endless();
    const got: number[] = [];
    const err = await rejection(
      (async () => {
        for await (const c of limitedChunks(stream, limit(3 * KB))) got.push(c.byteLength);
      })(),
    );
    expect(err.status).toBe(413);
    expect(got).toEqual([KB, KB, KB]);
    expect(seen).toEqual({ pulls: 4, cancelled: true });
  });

  it('allows the envelope on top of the limit without naming it, and refuses a declared Content-Length over both before reading', async () => {
    const withEnvelope = limit(4 * KB, { envelope: KB, what: 'The image' });
    expect((await readLimited(streamOf(new Uint8Array(5 * KB), KB), withEnvelope)).byteLength).toBe(5 * KB);
    const { stream, seen } = endless();
    const req = { headers: new Headers({ 'content-length': String(5 * KB + 1) }), body: stream };
    const err = await rejection(readRequestBody(req, withEnvelope));
    expect(err.status).toBe(413);
    expect(err.message).toMatch(/^The image is larger than the 4 KB limit$/);
    expect(seen.pulls).toBe(0);
  });
});

describe('apiRoute reads a multipart body through the limiter', () => {
  const schema = z.object({ image: z.file() });

  it('refuses a chunked multipart body past the limit with 413, not as an unreadable body', async () => {
    const { stream, seen } = endless(64 * KB);
    const req = new Request('http://x/api/predict', {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      duplex: 'half',
    } as RequestInit);
    const err = await rejection(readForm(req, schema, { maxBytes: 1024 * KB, what: 'The image', setting: 'MASKLAB_MAX_UPLOAD_MB' }));
    expect(err.status).toBe(413);
    expect(err.message).toBe('The image is larger than the 1 MB limit (MASKLAB_MAX_UPLOAD_MB)');
    expect(seen.pulls).toBeLessThanOrEqual(18); // 16 chunks fill the limit; a Request may read one ahead
  });

  it('parses a multipart body within the limit', async () => {
    const form = new FormData();
    form.append('image', new File([new Uint8Array(100 * KB).fill(7)], 'a.jpg'));
    const req = new Request('http://x/api/predict', { method: 'POST', body: form });
    const { image } = (await readForm(req, schema, { maxBytes: 100 * KB, envelope: 64 * KB, what: 'The image' })) as z.output<typeof schema>;
    expect(image.name).toBe('a.jpg');
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(new Uint8Array(100 * KB).fill(7));
  });
});

describe('routes with large bodies', () => {
  it('are outside the middleware, which cuts the bodies it sees at 10 MB: every route that takes a form or a raw body', () => {
    const matcher = new RegExp(`^${middlewareConfig.matcher[0]}$`);
    const large = routesOnDisk().filter((r) => r.method === 'POST' && /^\s*(form,|form:|rawBody:)/m.test(r.src));
    expect(large.map((r) => r.route).sort()).toEqual(['/api/photos', '/api/photos/zip', '/api/predict', '/api/preview/capture']);
    for (const r of large) expect(matcher.test(r.route), `${r.route} must be left out of the middleware matcher`).toBe(false);
    // and the matcher still covers the other routes
    expect(matcher.test('/api/labels')).toBe(true);
    expect(matcher.test('/api/photos/abc/image')).toBe(true);
  });

  it('list a 413 in the API description: JSON bodies name the 1 MB default', () => {
    const doc = buildOpenApi(
      [
        { path: '/api/a', method: 'POST', role: 'admin', summary: 'a', body: z.object({ x: z.string() }) },
        { path: '/api/b', method: 'POST', role: 'admin', summary: 'b', form: z.object({ f: z.file() }) },
        { path: '/api/c', method: 'POST', role: 'admin', summary: 'c', rawBody: { contentType: 'application/zip', description: 'zip' }, responses: { 413: 'Over MASKLAB_MAX_ZIP_MB' } },
        { path: '/api/d', method: 'POST', role: 'admin', summary: 'd' },
      ],
      { version: '1' },
    );
    expect(doc.paths['/api/a'].post.responses['413'].description).toBe('The JSON body is over 1 MB');
    expect(doc.paths['/api/b'].post.responses['413'].description).toBe("The request body is over the route's size limit");
    expect(doc.paths['/api/c'].post.responses['413'].description).toBe('Over MASKLAB_MAX_ZIP_MB');
    expect(doc.paths['/api/d'].post.responses['413']).toBeUndefined();
  });
});
