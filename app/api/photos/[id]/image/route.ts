import { apiRoute } from '@/app/_server/guard';
import { mediaResponse } from '@/app/_server/media';
import { db } from '@/lib/db';
import { photoMedia } from '@/lib/dataset/media';
import { store } from '@/lib/storage';

export const GET = apiRoute<never, { id: string }>(
  {
    role: 'viewer',
    summary: 'A photo (JPEG)',
    description: 'Oriented and without metadata, the longest side at most 2048 px. Cached privately as immutable; 304 on a matching `If-None-Match`.',
    responses: { 200: { description: 'The JPEG', contentType: 'image/jpeg' }, 304: 'Not modified (the ETag matched)', 404: 'No such photo' },
  },
  async ({ req, params }) => mediaResponse(req, await photoMedia(db(), store(), params.id, 'image')),
);
