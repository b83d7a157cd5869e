import { z } from 'zod';
import { apiRoute, FORM_ENVELOPE } from '@/app/_server/guard';
import { faceFilterQuery, labelField, pageQuery } from '@/app/_server/api-fields';
import { ingestResultSchema, pageOf, photoListItemSchema } from '@/app/_server/api-schemas';
import { photosPage } from '@/lib/dataset/browse';
import { blindFaceIds } from '@/lib/dataset/reviews';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { zipLimitsFromConfig } from '@/lib/import/folder';
import { defaultIngestOptions } from '@/lib/dataset/ingest';
import { suggestAfterImport } from '@/lib/suggest/queue';
import { ingestFiles, isZipName, photoTooLarge } from '@/lib/import/upload';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'viewer',
    query: z.object({ ...faceFilterQuery, ...pageQuery }),
    summary: 'List photos',
    description:
      "Photos with at least one face matching the gallery's filter (`uploader` is the photo's), newest first, a page at a time (`{ items, nextCursor }`).",
    responses: { 200: { description: 'One page of photos', schema: pageOf(photoListItemSchema) } },
  },
  async ({ actor, query: { cursor, limit, ...filter } }) => photosPage(db(), filter, { cursor, limit, blind: await blindFaceIds(db(), actor) }),
);

const form = z.object({
  files: z
    .array(z.file(), { error: (iss) => (iss.input === undefined ? 'No files: send them in the "files" field' : undefined) })
    .min(1, 'No files: send them in the "files" field')
    .meta({ description: 'One or more images (JPEG, PNG, WebP, HEIC…) or zip archives of images' }),
  label: labelField,
  source: z.enum(['upload', 'camera']).default('upload').meta({ description: 'Where the photos come from' }),
});

export const POST = apiRoute(
  {
    role: 'labeler',
    form,
    // Multipart bodies are read into memory: keep them small (the Collect page sends at most 8 MB,
    // or one larger photo, a request). Large archives go to /api/photos/zip (streamed to disk).
    bodyLimit: () => ({
      maxBytes: 4 * config().maxUploadBytes,
      envelope: 16 * FORM_ENVELOPE,
      what: 'The request',
      setting: '4 × MASKLAB_MAX_UPLOAD_MB',
      hint: 'send fewer files at once, and zip archives to /api/photos/zip',
    }),
    summary: 'Upload photos',
    description:
      'Each photo is stored, its faces detected (and labelled when `label` is given). Answers `{ results: [{ file, status: added|duplicate|rejected, photoId?, faces?, reason? }] }`. ' +
      'The body is read into memory: at most 4 × MASKLAB_MAX_UPLOAD_MB a request; send large archives to `POST /api/photos/zip`.',
    responses: {
      200: { description: 'What happened to each file', schema: z.object({ results: z.array(ingestResultSchema) }) },
      413: 'The request is over 4 × MASKLAB_MAX_UPLOAD_MB, or its one photo over MASKLAB_MAX_UPLOAD_MB',
    },
  },
  async ({ actor, form: readForm }) => {
    const cfg = config();
    const { files, label, source } = await readForm();
    // One photo over the limit is refused as a whole (413); in a batch it is one rejected result.
    if (files.length === 1 && files[0].size > cfg.maxUploadBytes && !isZipName(files[0].name)) {
      throw photoTooLarge(files[0].size, cfg.maxUploadBytes);
    }
    const input = await Promise.all(files.map(async (file) => ({ name: file.name || 'unnamed', bytes: Buffer.from(await file.arrayBuffer()) })));
    const results = await ingestFiles(db(), defaultIngestOptions(), input, {
      uploaderId: actor.id,
      label,
      source,
      zipLimits: zipLimitsFromConfig(),
    });
    if (results.some((r) => r.status === 'added')) await suggestAfterImport(db(), actor.id);
    return { results };
  },
);
