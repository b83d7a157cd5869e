import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { resolveSelection, selectionSchema } from '@/lib/dataset/gallery';
import { assignLabels, labelSchema } from '@/lib/dataset/labels';

// { faceId } is read as { faceIds: [faceId] }, so errors name the real fields.
const body = z.preprocess(
  (raw) => {
    const b = raw as { faceId?: unknown; faceIds?: unknown } | null;
    return b && typeof b === 'object' && b.faceIds === undefined && b.faceId !== undefined ? { ...b, faceIds: [b.faceId] } : raw;
  },
  z.intersection(selectionSchema, z.object({ label: labelSchema.meta({ description: 'The class, or excluded (not a usable face)' }) })),
);

export const POST = apiRoute(
  {
    role: 'labeler',
    body,
    summary: 'Label faces',
    description:
      '`{ faceIds, label }`, `{ faceId, label }` (one face) or `{ filter, label }` (every face matching a grid filter). A selection of several faces is one bulk action, undone together by `POST /api/labels/undo`.',
    responses: {
      404: 'A face id does not exist',
      409: 'You owe a blind second opinion on this face (Reviews page)',
      413: 'The filter matches more faces than one action may change, or the JSON body is over 1 MB',
    },
  },
  async ({ actor, body }) => assignLabels(db(), actor, await resolveSelection(db(), actor, body), body.label),
);
