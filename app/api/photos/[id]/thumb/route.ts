import { apiRoute } from '@/app/_server/guard';
import { mediaResponse } from '@/app/_server/media';
import { db } from '@/lib/db';
import { photoMedia } from '@/lib/dataset/media';
import { store } from '@/lib/storage';

/** The photo's thumbnail (at most 320 px a side). */
export const GET = apiRoute<never, { id: string }>({ role: 'viewer' }, async ({ req, params }) =>
  mediaResponse(req, await photoMedia(db(), store(), params.id, 'thumb')),
);
