import type { Media } from '@/lib/dataset/media';

/**
 * A stored JPEG as a response, 304 on a matching ETag. Cached privately for a year when its bytes never
 * change (`immutable`: photos, and a face crop asked for by its current version `?v=<index>`); otherwise
 * (a face crop without its version: a moved box changes it) revalidated on every use.
 */
export function mediaResponse(req: Request, media: Media | null, opts: { immutable?: boolean } = {}): Response {
  if (!media) return Response.json({ error: 'Not found' }, { status: 404 });
  const headers = {
    'Content-Type': 'image/jpeg',
    'Cache-Control': opts.immutable === false ? 'private, no-cache' : 'private, max-age=31536000, immutable',
    ETag: media.etag,
    'X-Content-Type-Options': 'nosniff',
  };
  if (req.headers.get('if-none-match') === media.etag) return new Response(null, { status: 304, headers });
  return new Response(new Uint8Array(media.data), { status: 200, headers: { ...headers, 'Content-Length': String(media.data.length) } });
}
