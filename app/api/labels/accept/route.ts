import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { acceptSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { resolveSelection, selectionSchema } from '@/lib/dataset/gallery';
import { acceptSuggestions } from '@/lib/suggest/accept';

const body = z.intersection(
  selectionSchema,
  z.object({ dryRun: z.boolean().default(false).meta({ description: 'Only count what would be labelled (for a confirmation), change nothing' }) }),
);

export const POST = apiRoute(
  {
    role: 'labeler',
    body,
    summary: "Accept the model's suggestions",
    description:
      'Labels every unlabelled face of the selection (`faceIds`, or every face matching a grid `filter`) with the suggestion of the promoted model, as one bulk action (`POST /api/labels/undo` reverts all of it).',
    responses: { 200: { description: 'Counts, and the bulk action', schema: acceptSchema }, 413: 'The filter matches more faces than one action may change, or the JSON body is over 1 MB' },
  },
  async ({ actor, body }) => {
    const ids = await resolveSelection(db(), actor, body);
    return acceptSuggestions(db(), actor, ids, { dryRun: body.dryRun });
  },
);
