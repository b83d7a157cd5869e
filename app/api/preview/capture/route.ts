// POST /api/preview/capture: the live preview's current camera frame (multipart field `image`, a JPEG) into the
// dataset, source "camera", unlabelled, each face with the promoted model's suggestion (lib/training/capture.ts).
// Labelers and admins. Answers `{ status: added|duplicate|rejected, photoId?, faces?, reason?, note? }`.
import { apiRoute } from '@/app/_server/guard';
import { UserError } from '@/lib/auth/roles';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { defaultIngestOptions } from '@/lib/dataset/ingest';
import { captureFrame } from '@/lib/training/capture';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = apiRoute({ role: 'labeler' }, async ({ actor, req }) => {
  const cfg = config();
  if (!(req.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    throw new UserError('Send the frame as multipart/form-data in a field named "image".');
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
    throw new UserError(`The frame is ${(file.size / 1048576).toFixed(1)} MB, more than the ${cfg.maxUploadBytes / 1048576} MB limit.`, 413);
  }
  const name = (file instanceof File && file.name) || `camera-${new Date().toISOString().replace(/[:.]/g, '-')}.jpg`;
  const result = await captureFrame(db(), defaultIngestOptions(), { bytes: Buffer.from(await file.arrayBuffer()), name, uploaderId: actor.id });
  if (result.status === 'rejected') throw new UserError(`The frame was not stored: ${result.reason}`);
  return result;
});
