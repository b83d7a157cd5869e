import { apiRoute } from '@/app/_server/guard';
import { historySchema } from '@/app/_server/api-schemas';
import { UserError } from '@/lib/errors';
import { db } from '@/lib/db';
import { faceForViewer } from '@/lib/dataset/reviews';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<never, { id: string }>(
  {
    role: 'viewer',
    summary: "A face's label history",
    description: 'Every label change of the face (who, when, from what to what), newest first, as on the face page. Hidden (`blind: true`, no items) while you owe the face a blind second opinion.',
    responses: { 200: { description: 'The history', schema: historySchema }, 404: 'No such face' },
  },
  async ({ actor, params }) => {
    const found = await faceForViewer(db(), actor, params.id);
    if (!found) throw new UserError('No such face', 404);
    return { blind: found.blind, items: found.history };
  },
);
