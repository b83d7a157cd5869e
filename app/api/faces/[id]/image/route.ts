import { apiRoute } from '@/app/_server/guard';
import { mediaResponse } from '@/app/_server/media';
import { db } from '@/lib/db';
import { faceMedia } from '@/lib/dataset/media';
import { store } from '@/lib/storage';

/** A face sample's crop (JPEG, at most 320 px a side; the whole photo for whole-image samples). */
export const GET = apiRoute<never, { id: string }>({ role: 'viewer' }, async ({ req, params }) =>
  mediaResponse(req, await faceMedia(db(), store(), params.id)),
);
