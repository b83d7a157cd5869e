// POST /api/labels/undo: undoes the caller's latest label that is not undone yet.
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { getFaceCards, undoLastLabel } from '@/lib/dataset/labels';

export const POST = apiRoute({ role: 'labeler' }, async ({ actor }) => {
  const undone = await undoLastLabel(db(), actor);
  const [face] = undone ? await getFaceCards(db(), [undone.faceId]) : [];
  return { undone, face: face ?? null };
});
