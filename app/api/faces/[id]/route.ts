import { apiRoute } from '@/app/_server/guard';
import { UserError } from '@/lib/errors';
import { db } from '@/lib/db';
import { faceJson } from '@/lib/suggest/accept';

export const GET = apiRoute<never, { id: string }>(
  {
    role: 'viewer',
    summary: 'A face as JSON',
    description:
      "Label, split, the model's suggestion `{ class, confidence, runId }` (unlabelled faces), photoId, box. A pending blind second opinion of the caller's hides the label.",
    responses: { 404: 'No such face' },
  },
  async ({ actor, params }) => {
    const face = await faceJson(db(), actor, params.id);
    if (!face) throw new UserError('No such face', 404);
    return face;
  },
);
