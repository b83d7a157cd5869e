// zod fields shared by several route handlers' inputs (and so by their OpenAPI description).
import { z } from 'zod';
import { UserError } from '@/lib/auth/roles';
import { LABELS, parseLabel } from '@/lib/classes';

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

/**
 * The `image` of an `imageForm` request as bytes: refuses a body that is not multipart before reading it, and a
 * file over `maxUploadBytes` with 413. `noun` names the file in messages ("image", "frame").
 */
export async function readImageForm(
  req: Request,
  readForm: () => Promise<{ image: File }>,
  maxUploadBytes: number,
  noun: string,
): Promise<{ bytes: Uint8Array; name: string | null }> {
  if (!(req.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    throw new UserError(`Send the ${noun} as multipart/form-data in a field named "image" (curl -F image=@photo.jpg).`);
  }
  const { image } = await readForm();
  if (image.size > maxUploadBytes) {
    throw new UserError(`The ${noun} is ${(image.size / 1048576).toFixed(1)} MB, more than the ${maxUploadBytes / 1048576} MB limit.`, 413);
  }
  return { bytes: new Uint8Array(await image.arrayBuffer()), name: image.name || null };
}
