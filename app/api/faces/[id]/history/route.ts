import { apiRoute } from '@/app/_server/guard';
import { historySchema } from '@/app/_server/api-schemas';
import { UserError } from '@/lib/errors';
import { db } from '@/lib/db';
import { faceForViewer } from '@/lib/dataset/reviews';
import { boxHistory } from '@/lib/dataset/boxes';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<never, { id: string }>(
  {
    role: 'viewer',
    summary: "A face's label history",
    description:
      'What the face page lists: every label change (who, when, from what to what), newest first, and who added, moved or deleted its box. The label changes are hidden (`blind: true`, no items) while you owe the face a blind second opinion.',
    responses: { 200: { description: 'The history', schema: historySchema }, 404: 'No such face' },
  },
  async ({ actor, params }) => {
    const found = await faceForViewer(db(), actor, params.id);
    if (!found) throw new UserError('No such face', 404);
    return { blind: found.blind, items: found.history, boxes: (await boxHistory(db(), params.id)).reverse() };
  },
);
