import type { Media } from '@/lib/dataset/media';

/** A stored JPEG as a response: cached privately for a year (an id's bytes never change), 304 on a matching ETag. */
export function mediaResponse(req: Request, media: Media | null): Response {
  if (!media) return Response.json({ error: 'Not found' }, { status: 404 });
  const headers = {
    'Content-Type': 'image/jpeg',
    'Cache-Control': 'private, max-age=31536000, immutable',
    ETag: media.etag,
    'X-Content-Type-Options': 'nosniff',
  };
  if (req.headers.get('if-none-match') === media.etag) return new Response(null, { status: 304, headers });
  return new Response(new Uint8Array(media.data), { status: 200, headers: { ...headers, 'Content-Length': String(media.data.length) } });
}
