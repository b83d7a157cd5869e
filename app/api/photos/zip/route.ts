import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { labelField } from '@/app/_server/api-fields';
import { UserError } from '@/lib/errors';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { checkDeclaredLength, incomingDir, receiveZip } from '@/lib/import/incoming';
import { queueZipImport } from '@/lib/import/progress';

export const runtime = 'nodejs';

const query = z.object({
  name: z
    .string()
    .optional()
    .transform((s) => (s || 'upload.zip').slice(0, 200))
    .meta({ description: "The archive's file name, shown with the import (default upload.zip)" }),
  label: labelField,
});

// This path is outside the middleware (see middleware.ts): the guard answers 401 before the body is read.
export const POST = apiRoute(
  {
    role: 'labeler',
    query,
    rawBody: { contentType: 'application/zip', description: 'The zip archive as the raw body, up to MASKLAB_MAX_ZIP_MB' },
    summary: 'Import a zip archive of photos',
    description:
      'The archive is streamed to disk, then imported by a background `import` job: answers 202 `{ jobId }`; follow it at `GET /api/imports/{id}`.',
    responses: {
      202: { description: 'Queued: `{ jobId }`', schema: z.object({ jobId: z.string() }) },
      413: 'Over MASKLAB_MAX_ZIP_MB (by Content-Length, or while streaming)',
    },
  },
  async ({ actor, req, query: { name, label } }) => {
    const cfg = config();
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
  },
);
