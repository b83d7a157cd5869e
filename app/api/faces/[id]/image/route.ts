import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { mediaResponse } from '@/app/_server/media';
import { db } from '@/lib/db';
import { faceMedia } from '@/lib/dataset/media';
import { store } from '@/lib/storage';

const query = z.object({
  v: z.string().max(20).optional().meta({ description: "The crop's version (its crop number, `index` in the face's JSON): cached as immutable when it is the current one" }),
});

export const GET = apiRoute<never, { id: string }, typeof query>(
  {
    role: 'viewer',
    query,
    summary: "A face's crop (JPEG)",
    description:
      'At most 320 px a side; the whole photo for whole-image samples. A moved box changes the crop: with its current `v` it is cached privately as immutable, without (or with an old one) revalidated on every use; 304 on a matching `If-None-Match`.',
    responses: { 200: { description: 'The JPEG', contentType: 'image/jpeg' }, 304: 'Not modified (the ETag matched)', 404: 'No such face' },
  },
  async ({ req, params, query }) => {
    const media = await faceMedia(db(), store(), params.id);
    return mediaResponse(req, media, { immutable: media !== null && query.v === String(media.version) });
  },
);
