// Session or `Authorization: Bearer <API token>`.
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { UserError } from '@/lib/auth/roles';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { predictImage } from '@/lib/models/promoted';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const form = z.object({
  image: z.file({ error: 'The form has no file field named "image".' }).meta({ description: 'The photo (JPEG, PNG, WebP, HEIC…), up to MASKLAB_MAX_UPLOAD_MB' }),
});

export const POST = apiRoute(
  {
    role: 'viewer',
    form,
    summary: 'Classify every face of an image',
    description:
      'Every face found in `image` with its box and class probabilities under the promoted model (`curl -H "Authorization: Bearer $TOKEN" -F image=@photo.jpg …/api/predict`).',
    responses: { 409: 'No model is promoted yet', 413: 'The image is over MASKLAB_MAX_UPLOAD_MB' },
  },
  async ({ req, form: readForm }) => {
    const cfg = config();
    if (!(req.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
      throw new UserError('Send the image as multipart/form-data in a field named "image" (curl -F image=@photo.jpg).');
    }
    const { image } = await readForm();
    if (image.size > cfg.maxUploadBytes) {
      throw new UserError(`The image is ${(image.size / 1048576).toFixed(1)} MB, more than the ${cfg.maxUploadBytes / 1048576} MB limit.`, 413);
    }
    const bytes = new Uint8Array(await image.arrayBuffer());
    return predictImage(db(), bytes, { maxUploadBytes: cfg.maxUploadBytes, maxPixels: cfg.maxPixels });
  },
);
