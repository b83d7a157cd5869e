// POST /api/labels { faceIds: [...], label }, { faceId, label } or { filter: {...}, label } (every face
// matching a grid filter, resolved here): one round trip per label (or per grid selection; a
// selection of several faces is one bulk action, undone together). Labelers and admins only.
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
  z.intersection(selectionSchema, z.object({ label: labelSchema })),
);

export const POST = apiRoute({ role: 'labeler', body }, async ({ actor, body }) => {
  return assignLabels(db(), actor, await resolveSelection(db(), actor, body), body.label);
});
