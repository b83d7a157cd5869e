// POST /api/predict: multipart form with an `image` file -> every face with its box and class
// probabilities under the promoted model. Session or `Authorization: Bearer <API token>`.
import { apiRoute } from '@/app/_server/guard';
import { UserError } from '@/lib/auth/roles';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { predictImage } from '@/lib/models/promoted';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = apiRoute({ role: 'viewer' }, async ({ req }) => {
  const cfg = config();
  if (!(req.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    throw new UserError('Send the image as multipart/form-data in a field named "image" (curl -F image=@photo.jpg).');
  }
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    throw new UserError('The multipart body could not be read.');
  }
  const file = form.get('image');
  if (!(file instanceof Blob)) throw new UserError('The form has no file field named "image".');
  if (file.size > cfg.maxUploadBytes) {
    throw new UserError(`The image is ${(file.size / 1048576).toFixed(1)} MB, more than the ${cfg.maxUploadBytes / 1048576} MB limit.`, 413);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  return predictImage(db(), bytes, { maxUploadBytes: cfg.maxUploadBytes, maxPixels: cfg.maxPixels });
});
