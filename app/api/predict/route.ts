// Session or `Authorization: Bearer <API token>`.
import { imageBytes, imageForm } from '@/app/_server/api-fields';
import { apiRoute, uploadFormLimit } from '@/app/_server/guard';
import { predictionSchema } from '@/app/_server/api-schemas';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { predictImage } from '@/lib/models/promoted';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const form = imageForm('The photo (JPEG, PNG, WebP, HEIC…)');

export const POST = apiRoute(
  {
    role: 'viewer',
    form,
    bodyLimit: () => uploadFormLimit('The image'),
    summary: 'Classify every face of an image',
    description:
      'Every face found in `image` with its box and class probabilities under the promoted model (`curl -H "Authorization: Bearer $TOKEN" -F image=@photo.jpg …/api/predict`).',
    responses: { 200: { description: 'The faces and their classes', schema: predictionSchema }, 409: 'No model is promoted yet', 413: 'The image (the whole request, chunked or not) is over MASKLAB_MAX_UPLOAD_MB' },
  },
  async ({ form: readForm }) => {
    const cfg = config();
    const bytes = await imageBytes((await readForm()).image, cfg.maxUploadBytes, 'image');
    return predictImage(db(), bytes, { maxUploadBytes: cfg.maxUploadBytes, maxPixels: cfg.maxPixels });
  },
);
