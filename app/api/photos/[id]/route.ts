import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { deletePhoto } from '@/lib/dataset/photos';
import { store } from '@/lib/storage';

export const DELETE = apiRoute<never, { id: string }>(
  {
    role: 'labeler',
    summary: 'Delete a photo',
    description: 'Deletes the photo, its faces and its files. Its uploader or an admin.',
    responses: { 404: 'No such photo' },
  },
  async ({ actor, params }) => deletePhoto(db(), store(), actor, params.id),
);
