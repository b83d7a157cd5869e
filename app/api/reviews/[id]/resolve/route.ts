import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { okSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { resolveReview } from '@/lib/dataset/reviews';
import { labelSchema } from '@/lib/dataset/labels';

export const POST = apiRoute<z.ZodObject<{ label: typeof labelSchema }>, { id: string }>(
  {
    role: 'admin',
    body: z.object({ label: labelSchema.meta({ description: "The face's label from now on" }) }).strict(),
    summary: 'Resolve a disagreement',
    description: "Your decision becomes the face's label (a `resolve` event in its history).",
    responses: { 200: { description: 'Resolved', schema: okSchema }, 404: 'No such review', 409: 'The review is not a disagreement' },
  },
  async ({ actor, body, params }) => {
    await resolveReview(db(), actor, params.id, body.label);
    return { ok: true };
  },
);
