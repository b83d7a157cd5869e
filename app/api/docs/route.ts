import { apiRoute } from '@/app/_server/guard';
import { apiDocument } from '@/app/_server/openapi';
import { docsCsp, renderDocsHtml } from '@/lib/http/openapi';

export const dynamic = 'force-dynamic';

// next.config.js leaves this path out of the API's `default-src 'none'` CSP: the page sends its
// own, which allows nothing but its inline stylesheet (by hash).
export const GET = apiRoute(
  {
    role: 'viewer',
    summary: 'This description as a web page',
    description: 'The OpenAPI document as HTML: every operation with its role, parameters, body fields and responses. Self-contained (no scripts, nothing loaded from elsewhere).',
    responses: { 200: { description: 'The page', contentType: 'text/html' } },
  },
  async () =>
    new Response(renderDocsHtml(await apiDocument(), { jsonUrl: '/api/openapi.json' }), {
      headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': docsCsp(), 'Cache-Control': 'private, no-cache' },
    }),
);
