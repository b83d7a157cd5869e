// POST /api/labels { faceIds: [...], label } or { faceId, label }: one round trip per label
// (or per grid selection). Labelers and admins only.
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { assignLabels, assignSchema } from '@/lib/dataset/labels';

// { faceId } is read as { faceIds: [faceId] }, so errors name the real fields.
const body = z.preprocess((raw) => {
  const b = raw as { faceId?: unknown; faceIds?: unknown } | null;
  return b && typeof b === 'object' && b.faceIds === undefined && b.faceId !== undefined ? { ...b, faceIds: [b.faceId] } : raw;
}, assignSchema);

export const POST = apiRoute({ role: 'labeler', body }, async ({ actor, body }) => {
  return assignLabels(db(), actor, body.faceIds, body.label);
});
