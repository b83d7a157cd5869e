import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { faceCardSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { CLASSES } from '@/lib/classes';
import { labelQueue, QUEUE_ORDERS } from '@/lib/dataset/labels';

const query = z.object({
  after: z.string().min(1).optional().meta({ description: 'Continue after this face id' }),
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'How many faces' }),
  exclude: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').filter(Boolean).slice(0, 200) : []))
    .meta({ description: 'Face ids to leave out, comma-separated (at most 200)' }),
  spread: z.enum(['1']).optional().meta({ description: "1 without `after`, order imported: start at the caller's own point in the queue (labellers working at once get different faces)" }),
  order: z.enum(QUEUE_ORDERS).default('imported').meta({
    description: "imported: upload order; uncertain: the model's least confident suggestions first; suggested: faces suggested as `class`, most confident first",
  }),
  class: z.enum(CLASSES).optional().meta({ description: 'With order=suggested: the suggested class' }),
});

export const GET = apiRoute(
  {
    role: 'labeler',
    query,
    summary: 'The next unlabelled faces',
    description: 'The labelling queue: `{ faces }`, each a face card (id, photo, box, suggestion).',
    responses: { 200: { description: 'The next faces', schema: z.object({ faces: z.array(faceCardSchema) }) } },
  },
  async ({ actor, query: q }) => ({
    faces: await labelQueue(db(), { ...q, suggested: q.class, spreadKey: q.spread ? actor.id : undefined }),
  }),
);
