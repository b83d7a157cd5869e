// Streams a finished dataset export (zip). Exports are started on the Training page, by POST /api/exports
// or by the CLI.
import { Readable } from 'node:stream';
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { exportArchive } from '@/lib/export/queue';
import { UserError } from '@/lib/errors';
import { DECLARED_LENGTH_HEADER } from '@/lib/http/declared-length';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const query = z.object({
  job: z.string().min(1).max(64).optional().meta({ description: 'The export job id (from POST /api/exports or GET /api/exports); the newest finished export when absent' }),
});

export const GET = apiRoute(
  {
    role: 'admin',
    query,
    summary: 'Download a dataset export',
    description:
      'The archive of a finished export: `train/`, `val/`, `test/` with a folder for every class (`<class>/<face>.jpg`) and a Hugging Face `metadata.csv`, `classes.txt` and `labels.json` (the softmax order), `manifest.csv` and `model/` (the promoted model as a bundle that runs offline without masklab). Streamed, with its `Content-Length`.',
    responses: {
      200: { description: 'The zip archive', contentType: 'application/zip' },
      404: 'No finished export (or its archive was cleaned up)',
      409: 'The export is still running, or it failed',
    },
  },
  async ({ query: q }) => {
    const a = await exportArchive(db(), config().dataDir, q.job);
    const name = `masklab-export-${a.createdAt.toISOString().slice(0, 19).replace(/[:T]/g, '-')}.zip`;
    // A finished archive is never rewritten, only removed (an open one stays readable): its size is the one found.
    let stream: Awaited<ReturnType<typeof a.open>>;
    try {
      stream = await a.open();
    } catch {
      throw new UserError('That export was removed; start a new one', 404); // cleaned up since exportArchive looked
    }
    const size = a.size;
    const body = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
    return new Response(body, {
      headers: {
        'Content-Type': 'application/zip',
        'Content-Length': String(size),
        // Next.js drops the Content-Length a handler sets (lib/http/declared-length.ts); this one arrives as it.
        [DECLARED_LENGTH_HEADER]: String(size),
        'Content-Disposition': `attachment; filename="${name}"`,
        'Cache-Control': 'private, no-store',
        'X-Masklab-Export': a.id,
      },
    });
  },
);
