import { apiRoute } from '@/app/_server/guard';
import { UserError } from '@/lib/auth/roles';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { parseLabel } from '@/lib/classes';
import { checkDeclaredLength, incomingDir, receiveZip } from '@/lib/dataset/incoming';
import { queueZipImport } from '@/lib/dataset/imports';

export const runtime = 'nodejs';

/**
 * A zip archive as the raw body (`?name=photos.zip&label=mask_old`), up to MASKLAB_MAX_ZIP_MB
 * (413 beyond, by Content-Length or while streaming). Streamed to `<dataDir>/incoming`, then
 * imported by a background `import` job: answers 202 `{ jobId }`; follow it at
 * `GET /api/imports/<jobId>`. This path is outside the middleware (see middleware.ts).
 */
export const POST = apiRoute({ role: 'labeler' }, async ({ actor, req }) => {
  const cfg = config();
  const url = new URL(req.url);
  const name = (url.searchParams.get('name') || 'upload.zip').slice(0, 200);
  const rawLabel = url.searchParams.get('label');
  const label = rawLabel ? parseLabel(rawLabel) : null;
  if (rawLabel && !label) throw new UserError(`Unknown class "${rawLabel}"`);
  checkDeclaredLength(req.headers.get('content-length'), cfg.maxZipBytes, 'The zip archive', 'MASKLAB_MAX_ZIP_MB');
  if (!req.body) throw new UserError('Send the zip archive as the request body');
  const { file } = await receiveZip(req.body, incomingDir(cfg.dataDir), cfg.maxZipBytes);
  try {
    const { jobId } = await queueZipImport(db(), { file, name, label, uploaderId: actor.id });
    return Response.json({ jobId }, { status: 202 });
  } catch (err) {
    const { rm } = await import('node:fs/promises');
    await rm(file, { force: true });
    throw err;
  }
});
