import { apiRoute } from '@/app/_server/guard';
import { mediaResponse } from '@/app/_server/media';
import { db } from '@/lib/db';
import { photoMedia } from '@/lib/dataset/media';
import { store } from '@/lib/storage';

/** The photo, oriented and without metadata (longest side at most 2048 px). */
export const GET = apiRoute<never, { id: string }>({ role: 'viewer' }, async ({ req, params }) =>
  mediaResponse(req, await photoMedia(db(), store(), params.id, 'image')),
);
