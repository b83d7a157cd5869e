// The live preview's capture key: the frame goes through the ingest pipeline (lib/training/capture.ts).
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { UserError } from '@/lib/auth/roles';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { defaultIngestOptions } from '@/lib/dataset/ingest';
import { captureFrame } from '@/lib/training/capture';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const form = z.object({
  image: z.file({ error: 'The form has no file field named "image".' }).meta({ description: 'The camera frame (JPEG), up to MASKLAB_MAX_UPLOAD_MB' }),
});

export const POST = apiRoute(
  {
    role: 'labeler',
    form,
    summary: 'Capture a camera frame into the dataset',
    description:
      'What the live preview sends when a labeller presses C: the frame is stored as a photo with source "camera", unlabelled, and each face found gets the promoted model\'s suggestion. Answers `{ status: added|duplicate, photoId, faces, note? }`.',
    responses: { 413: 'The frame is over MASKLAB_MAX_UPLOAD_MB' },
  },
  async ({ actor, req, form: readForm }) => {
    const cfg = config();
    if (!(req.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
      throw new UserError('Send the frame as multipart/form-data in a field named "image".');
    }
    const { image } = await readForm();
    if (image.size > cfg.maxUploadBytes) {
      throw new UserError(`The frame is ${(image.size / 1048576).toFixed(1)} MB, more than the ${cfg.maxUploadBytes / 1048576} MB limit.`, 413);
    }
    const name = (image instanceof File && image.name) || `camera-${new Date().toISOString().replace(/[:.]/g, '-')}.jpg`;
    const result = await captureFrame(db(), defaultIngestOptions(), { bytes: Buffer.from(await image.arrayBuffer()), name, uploaderId: actor.id });
    if (result.status === 'rejected') throw new UserError(`The frame was not stored: ${result.reason}`);
    return result;
  },
);
