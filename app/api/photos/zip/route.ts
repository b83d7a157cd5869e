import { apiRoute } from '@/app/_server/guard';
import { UserError } from '@/lib/auth/roles';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { parseLabel } from '@/lib/classes';
import { zipLimitsFromConfig } from '@/lib/dataset/import';
import { defaultIngestOptions, type IngestResult } from '@/lib/dataset/ingest';
import { ingestZipStream } from '@/lib/dataset/upload';

export const runtime = 'nodejs';

/**
 * A zip archive as the raw body (`?name=photos.zip&label=mask_old`). Streamed to disk, then each
 * entry is ingested; the answer is NDJSON, one result line per entry as it is done.
 */
export const POST = apiRoute({ role: 'labeler' }, async ({ actor, req }) => {
  const url = new URL(req.url);
  const name = (url.searchParams.get('name') || 'upload.zip').slice(0, 200);
  const rawLabel = url.searchParams.get('label');
  const label = rawLabel ? parseLabel(rawLabel) : null;
  if (rawLabel && !label) throw new UserError(`Unknown class "${rawLabel}"`);
  if (!req.body) throw new UserError('Send the zip archive as the request body');
  const body = req.body;
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (r: IngestResult) => controller.enqueue(enc.encode(JSON.stringify(r) + '\n'));
      try {
        await ingestZipStream(db(), defaultIngestOptions(), body, name, config().maxZipBytes, {
          uploaderId: actor.id,
          label,
          source: 'upload',
          zipLimits: zipLimitsFromConfig(),
        }, send);
      } catch (err) {
        console.error(err);
        send({ file: name, status: 'rejected', reason: `import failed: ${(err as Error).message}` });
      }
      controller.close();
    },
  });
  return new Response(stream, { headers: { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store' } });
});
