// The live preview's capture key: the frame goes through the ingest pipeline (lib/capture/index.ts).
import { imageBytes, imageForm } from '@/app/_server/api-fields';
import { apiRoute, uploadFormLimit } from '@/app/_server/guard';
import { captureSchema } from '@/app/_server/api-schemas';
import { UserError } from '@/lib/errors';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { defaultIngestOptions } from '@/lib/dataset/ingest';
import { captureFrame } from '@/lib/capture/index';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const form = imageForm('The camera frame (JPEG)');

export const POST = apiRoute(
  {
    role: 'labeler',
    form,
    bodyLimit: () => uploadFormLimit('The frame'),
    summary: 'Capture a camera frame into the dataset',
    description:
      'What the live preview sends when a labeller presses C: the frame is stored as a photo with source "camera", unlabelled, and each face found gets the promoted model\'s suggestion. Answers `{ status: added|duplicate, photoId, faces, note? }`.',
    responses: { 200: { description: 'Stored (or a duplicate)', schema: captureSchema }, 413: 'The frame (the whole request, chunked or not) is over MASKLAB_MAX_UPLOAD_MB' },
  },
  async ({ actor, form: readForm }) => {
    const { image } = await readForm();
    const bytes = await imageBytes(image, config().maxUploadBytes, 'frame');
    const name = image.name || `camera-${new Date().toISOString().replace(/[:.]/g, '-')}.jpg`;
    const result = await captureFrame(db(), defaultIngestOptions(), { bytes: Buffer.from(bytes), name, uploaderId: actor.id });
    if (result.status === 'rejected') throw new UserError(`The frame was not stored: ${result.reason}`);
    return result;
  },
);
