import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { deletePhoto } from '@/lib/dataset/photos';
import { store } from '@/lib/storage';

/** Deletes the photo, its faces and its files (its uploader or an admin). */
export const DELETE = apiRoute<never, { id: string }>({ role: 'labeler' }, async ({ actor, params }) =>
  deletePhoto(db(), store(), actor, params.id),
);
