// POST /api/labels { faceIds: [...], label } or { faceId, label }: one round trip per label
// (or per grid selection). Labelers and admins only.
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { labelSchema } from '@/lib/dataset/classes';
import { assignLabels, assignSchema } from '@/lib/dataset/labels';

const body = z.union([assignSchema, z.object({ faceId: z.string().min(1), label: labelSchema }).transform((b) => ({ faceIds: [b.faceId], label: b.label }))]);

export const POST = apiRoute({ role: 'labeler', body }, async ({ actor, body }) => {
  return assignLabels(db(), actor, body.faceIds, body.label);
});
