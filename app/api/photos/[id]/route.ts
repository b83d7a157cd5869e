import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { photoSchema } from '@/app/_server/api-schemas';
import { UserError } from '@/lib/errors';
import { db } from '@/lib/db';
import { photoDetail } from '@/lib/dataset/gallery';
import { deletePhoto } from '@/lib/dataset/photos';
import { blindFaceIds, redactBlind } from '@/lib/dataset/reviews';
import { store } from '@/lib/storage';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<never, { id: string }>(
  {
    role: 'viewer',
    summary: 'A photo with its faces',
    description:
      'What the photo page shows: size, format, source, uploader, every face (box, label) and the faces of other photos in the same near-duplicate groups. A face you owe a blind second opinion is shown unlabelled.',
    responses: { 200: { description: 'The photo', schema: photoSchema }, 404: 'No such photo' },
  },
  async ({ actor, params }) => {
    const found = await photoDetail(db(), params.id);
    if (!found) throw new UserError('No such photo', 404);
    // nextFaceIndex is the store's crop counter (lib/dataset/boxes.ts), not the photo's business.
    const { nextFaceIndex: _next, ...photo } = found;
    return { ...photo, faces: redactBlind(found.faces, await blindFaceIds(db(), actor)) };
  },
);

export const DELETE = apiRoute<never, { id: string }>(
  {
    role: 'labeler',
    summary: 'Delete a photo',
    description: 'Deletes the photo, its faces and its files. Its uploader or an admin.',
    responses: {
      200: { description: 'Deleted', schema: z.object({ deleted: z.string().meta({ description: 'The photo id' }), faces: z.number().int().min(0).meta({ description: 'Faces deleted with it' }) }) },
      404: 'No such photo',
    },
  },
  async ({ actor, params }) => deletePhoto(db(), store(), actor, params.id),
);
