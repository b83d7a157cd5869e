// Streams a finished dataset export (zip). Exports are started on the Training page, by POST /api/exports
// or by the CLI.
import { Readable } from 'node:stream';
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { exportArchive } from '@/lib/export/queue';

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
      'The archive of a finished export: `train/`, `val/`, `test/` with `<class>/<face>.jpg`, `manifest.csv` and `model/` (the promoted model as a bundle that runs without masklab). Streamed, with its length.',
    responses: {
      200: { description: 'The zip archive', contentType: 'application/zip' },
      404: 'No finished export (or its archive was cleaned up)',
      409: 'The export is still running, or it failed',
    },
  },
  async ({ query: q }) => {
    const a = await exportArchive(db(), config().dataDir, q.job);
    const name = `masklab-export-${a.createdAt.toISOString().slice(0, 19).replace(/[:T]/g, '-')}.zip`;
    const body = Readable.toWeb(await a.open()) as unknown as ReadableStream<Uint8Array>;
    return new Response(body, {
      headers: {
        'Content-Type': 'application/zip',
        'Content-Length': String(a.size),
        'Content-Disposition': `attachment; filename="${name}"`,
        'Cache-Control': 'private, no-store',
        'X-Masklab-Export': a.id,
      },
    });
  },
);
