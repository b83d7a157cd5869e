// GET /api/labels/queue?after=<faceId>&limit=20&exclude=<id,id>[&spread=1][&order=uncertain|imported|suggested&class=<class>]:
// the next unlabelled faces (spread=1 without after, as imported: start at the caller's own point in the queue;
// uncertain: the model's least confident suggestions first; suggested: faces suggested as `class`, most confident first).
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { CLASSES } from '@/lib/classes';
import { labelQueue, QUEUE_ORDERS } from '@/lib/dataset/labels';

const query = z.object({
  after: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  exclude: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').filter(Boolean).slice(0, 200) : [])),
  spread: z.enum(['1']).optional(),
  order: z.enum(QUEUE_ORDERS).default('imported'),
  class: z.enum(CLASSES).optional(),
});

export const GET = apiRoute({ role: 'labeler' }, async ({ req, actor }) => {
  const q = query.parse(Object.fromEntries(new URL(req.url).searchParams));
  return { faces: await labelQueue(db(), { ...q, suggested: q.class, spreadKey: q.spread ? actor.id : undefined }) };
});
