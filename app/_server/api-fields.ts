// zod fields shared by several route handlers' inputs (and so by their OpenAPI description).
import { z } from 'zod';
import { LABELS, parseLabel } from '@/lib/classes';
import { photoTooLarge } from '@/lib/import/upload';

/** A class name as a form field or query parameter ("mask_old", "Mask old"), or absent: → the label or null. */
export const labelField = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (!s) return null;
    const label = parseLabel(s);
    if (!label) ctx.addIssue({ code: 'custom', message: `Unknown class "${s}"` });
    return label;
  })
  .meta({ description: `A class applied to every face: ${LABELS.join(', ')}` });

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
