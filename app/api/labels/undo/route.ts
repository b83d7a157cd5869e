import { apiRoute } from '@/app/_server/guard';
import { undoSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { getFaceCards, undoLastLabel } from '@/lib/dataset/labels';

export const POST = apiRoute(
  {
    role: 'labeler',
    summary: 'Undo your latest label',
    description:
      "Undoes the caller's latest label that is not undone yet (a whole bulk action at once, skipping faces someone changed since): `{ undone, face }`, both null when there is nothing to undo.",
    responses: { 200: { description: 'The undone change and the face as it is now', schema: undoSchema } },
  },
  async ({ actor }) => {
    const undone = await undoLastLabel(db(), actor);
    const [face] = undone ? await getFaceCards(db(), [undone.faceId]) : [];
    return { undone, face: face ?? null };
  },
);
