// zod fields shared by several route handlers' inputs (and so by their OpenAPI description).
import { z } from 'zod';
import { LABELS } from '@/lib/classes';
import { faceFilterSchema } from '@/lib/dataset/gallery';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '@/lib/db/cursor';
import { photoTooLarge } from '@/lib/import/upload';

/** A class name as a form field or query parameter (one of the label vocabulary, lib/classes), or absent: → the label or null. */
export const labelField = z
  .enum(LABELS, { error: (iss) => `Unknown class "${String(iss.input)}": one of ${LABELS.join(', ')}` })
  .optional()
  .transform((l) => l ?? null)
  .meta({ description: 'A class applied to every face (or excluded)' });

/** `?cursor=&limit=` of a list answered as `{ items, nextCursor }` (lib/db/cursor.ts). */
export const pageQuery = {
  cursor: z.string().min(1).max(1000).optional().meta({ description: 'The `nextCursor` of the previous page; absent: the first page' }),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT).meta({ description: 'Items per page' }),
};

/** A multipart form with one image file in the field `image` (POST /api/predict, POST /api/preview/capture). */
export const imageForm = (what: string) =>
  z.object({
    image: z.file({ error: 'The form has no file field named "image".' }).meta({ description: `${what}, up to MASKLAB_MAX_UPLOAD_MB` }),
  });

/** The bytes of an `imageForm`'s image (`what` names it in the message), or 413 when it is over `maxUploadBytes`. */
export async function imageBytes(image: File, maxUploadBytes: number, what: string): Promise<Uint8Array> {
  if (image.size > maxUploadBytes) throw photoTooLarge(image.size, maxUploadBytes, what);
  return new Uint8Array(await image.arrayBuffer());
}
type FilterField = Exclude<keyof typeof faceFilterSchema.shape, 'page' | 'pageSize'>;
const FILTER_TEXT: Record<FilterField, string> = {
  label: 'unlabelled, labelled (a class or excluded), a class, or excluded; absent: any',
  uploader: "The uploader's user id",
  whole: 'yes: whole-image samples only; no: detected faces only',
  ids: 'These faces only: comma-separated ids (at most 200)',
  suggested: 'The promoted model suggests this class (unlabelled faces only)',
  confMin: "The suggestion's confidence is at least this, in percent",
  confMax: "The suggestion's confidence is at most this, in percent",
};

/**
 * The gallery's face filter (lib/dataset/gallery.ts `faceFilterSchema`) as query parameters. The
 * pages let a bad value fall back to "any" (`.catch`); the API refuses it with 400 instead.
 */
export const faceFilterQuery = Object.fromEntries(
  (Object.keys(FILTER_TEXT) as FilterField[]).map((k) => {
    const field = faceFilterSchema.shape[k] as unknown as z.ZodCatch<z.ZodType>;
    return [k, field.unwrap().optional().meta({ description: FILTER_TEXT[k] })];
  }),
) as { [K in FilterField]: z.ZodOptional<z.ZodType<z.output<(typeof faceFilterSchema.shape)[K]>, z.input<(typeof faceFilterSchema.shape)[K]>>> };
