import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { pageQuery } from '@/app/_server/api-fields';
import { labelErrorsSchema, queuedSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { labelErrorsPage, labelErrorsPayloadSchema, queueLabelErrors } from '@/lib/label-errors/db';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'viewer',
    query: z.object({
      minScore: z.coerce.number().min(0).max(1).default(0).meta({ description: 'Only suspects scoring at least this (0–1)' }),
      ...pageQuery,
    }),
    summary: 'List suspected label errors',
    description:
      'Labelled faces that cross-validated models disagree with, most suspicious first, not marked right yet (the Reviews › Label errors page), a page at a time. Fix one with `POST /api/labels`, or keep its label with `POST /api/label-errors/{faceId}/keep`.',
    responses: { 200: { description: 'One page of suspects', schema: labelErrorsSchema } },
  },
  async ({ actor, query }) => labelErrorsPage(db(), actor, query),
);

export const POST = apiRoute(
  {
    role: 'admin',
    body: z
      .object({
        folds: labelErrorsPayloadSchema.shape.folds.optional().meta({ description: 'Cross-validation folds (default 5)' }),
        seed: labelErrorsPayloadSchema.shape.seed.optional().meta({ description: 'Random seed of the folds' }),
      })
      .strict(),
    summary: 'Find label errors',
    description: 'Queues the job that cross-validates the labelled faces and ranks the suspects (as the page\'s Find button does); one at a time.',
    responses: { 200: { description: 'Queued', schema: queuedSchema } },
  },
  async ({ actor, body }) => {
    const { job, alreadyQueued } = await queueLabelErrors(db(), actor.id, body);
    return { jobId: job.id, alreadyQueued };
  },
);
