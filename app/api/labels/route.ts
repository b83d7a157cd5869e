import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { assignResultSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { resolveSelection, selectionSchema } from '@/lib/dataset/gallery';
import { assignLabels, labelSchema } from '@/lib/dataset/labels';

// One face (`faceId`), some faces (`faceIds`) or every face matching a filter (`filter`): the
// selection's fields plus `faceId`, exactly one of the three; `faceId` is read as `faceIds: [faceId]`.
const body = z
  .object({
    faceId: z.string().min(1).optional().meta({ description: 'One face (send one of faceId, faceIds and filter)' }),
    ...selectionSchema.shape,
    label: labelSchema.meta({ description: 'The class, or excluded (not a usable face)' }),
  })
  .refine((b) => [b.faceId, b.faceIds, b.filter].filter((x) => x !== undefined).length === 1, 'Send one of faceId, faceIds and filter')
  .transform(({ faceId, ...rest }) => (faceId === undefined ? rest : { ...rest, faceIds: [faceId] }));

export const POST = apiRoute(
  {
    role: 'labeler',
    body,
    summary: 'Label faces',
    description:
      '`{ faceId, label }` (one face), `{ faceIds, label }` or `{ filter, label }` (every face matching a grid filter). A selection of several faces is one bulk action, undone together by `POST /api/labels/undo`.',
    responses: {
      200: { description: 'What changed', schema: assignResultSchema },
      404: 'A face id does not exist',
      409: 'You owe a blind second opinion on this face (Reviews page)',
      413: 'The filter matches more faces than one action may change, or the JSON body is over 1 MB',
    },
  },
  async ({ actor, body }) => assignLabels(db(), actor, await resolveSelection(db(), actor, body), body.label),
);
