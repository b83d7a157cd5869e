// GET /api/export[?job=<export job id>]: streams a finished dataset export (zip): the one named, or the newest
// finished one. 404 when there is none (or its archive was cleaned up), 409 while it is still running or when it
// failed. Admins, with a session or an API token. Exports are started on the Training page (or the CLI).
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { exportArchive } from '@/lib/training/export-queue';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const query = z.object({ job: z.string().min(1).max(64).optional() });

export const GET = apiRoute({ role: 'admin' }, async ({ req }) => {
  const q = query.parse(Object.fromEntries(new URL(req.url).searchParams));
  const a = await exportArchive(db(), config().dataDir, q.job);
  const name = `masklab-export-${a.createdAt.toISOString().slice(0, 19).replace(/[:T]/g, '-')}.zip`;
  const body = Readable.toWeb(fs.createReadStream(a.file)) as unknown as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      'Content-Type': 'application/zip',
      'Content-Length': String(a.size),
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'private, no-store',
      'X-Masklab-Export': a.id,
    },
  });
});
