// POST /api/labels/accept { faceIds: [...] } or { filter: { label, suggested, confMin, … } } [, dryRun: true ]:
// labels every unlabelled face of the selection with the model's suggestion, as one bulk action
// (POST /api/labels/undo reverts all of it). dryRun: only the counts, for the confirmation.
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { resolveSelection, selectionSchema } from '@/lib/dataset/gallery';
import { acceptSuggestions } from '@/lib/dataset/suggestions';

const body = z.intersection(selectionSchema, z.object({ dryRun: z.boolean().default(false) }));

export const POST = apiRoute({ role: 'labeler', body }, async ({ actor, body }) => {
  const ids = await resolveSelection(db(), actor, body);
  return acceptSuggestions(db(), actor, ids, { dryRun: body.dryRun });
});
