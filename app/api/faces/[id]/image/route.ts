import { apiRoute } from '@/app/_server/guard';
import { mediaResponse } from '@/app/_server/media';
import { db } from '@/lib/db';
import { faceMedia } from '@/lib/dataset/media';
import { store } from '@/lib/storage';

export const GET = apiRoute<never, { id: string }>(
  {
    role: 'viewer',
    summary: "A face's crop (JPEG)",
    description: 'At most 320 px a side; the whole photo for whole-image samples. Cached privately as immutable; 304 on a matching `If-None-Match`.',
    responses: { 200: { description: 'The JPEG', contentType: 'image/jpeg' }, 304: 'Not modified (the ETag matched)', 404: 'No such face' },
  },
  async ({ req, params }) => mediaResponse(req, await faceMedia(db(), store(), params.id)),
);
