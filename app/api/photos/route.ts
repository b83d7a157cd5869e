import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { UserError } from '@/lib/auth/roles';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { parseLabel } from '@/lib/classes';
import { zipLimitsFromConfig } from '@/lib/dataset/import';
import { defaultIngestOptions } from '@/lib/dataset/ingest';
import { suggestAfterImport } from '@/lib/queue/suggest';
import { ingestFiles, isZipName, photoTooLarge } from '@/lib/dataset/upload';

export const runtime = 'nodejs';

const fields = z.object({
  label: z.string().optional(),
  source: z.enum(['upload', 'camera']).default('upload'),
});

/**
 * Upload: multipart/form-data with one or more `files` (images or zip archives), optional
 * `label` (a class applied to every face) and `source` (upload | camera).
 * Answers `{ results: [{ file, status: added|duplicate|rejected, photoId?, faces?, reason? }] }`.
 */
export const POST = apiRoute({ role: 'labeler' }, async ({ actor, req }) => {
  const cfg = config();
  const length = Number(req.headers.get('content-length') ?? 0);
  // Multipart bodies are read into memory: keep them small (the Collect page sends at most 8 MB,
  // or one larger photo, a request). Large archives go to /api/photos/zip (streamed to disk).
  const maxRequest = 4 * cfg.maxUploadBytes + 1024 * 1024;
  if (length > maxRequest) {
    throw new UserError(
      `The request is over the ${Math.round(maxRequest / 1024 / 1024)} MB limit of one upload request (4 × MASKLAB_MAX_UPLOAD_MB): send fewer files at once, and zip archives to /api/photos/zip`,
      413,
    );
  }
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    throw new UserError('Send the files as multipart/form-data');
  }
  const f = fields.parse({ label: form.get('label') || undefined, source: form.get('source') || undefined });
  const label = f.label ? parseLabel(f.label) : null;
  if (f.label && !label) throw new UserError(`Unknown class "${f.label}"`);
  const files = form.getAll('files').filter((v): v is File => typeof v !== 'string');
  if (files.length === 0) throw new UserError('No files: send them in the "files" field');
  // One photo over the limit is refused as a whole (413); in a batch it is one rejected result.
  if (files.length === 1 && files[0].size > cfg.maxUploadBytes && !isZipName(files[0].name)) {
    throw photoTooLarge(files[0].size, cfg.maxUploadBytes);
  }
  const input = await Promise.all(files.map(async (file) => ({ name: file.name || 'unnamed', bytes: Buffer.from(await file.arrayBuffer()) })));
  const results = await ingestFiles(db(), defaultIngestOptions(), input, {
    uploaderId: actor.id,
    label,
    source: f.source,
    zipLimits: zipLimitsFromConfig(),
  });
  if (results.some((r) => r.status === 'added')) await suggestAfterImport(db(), actor.id);
  return { results };
});
