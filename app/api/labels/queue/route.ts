// GET /api/labels/queue?after=<faceId>&limit=20&exclude=<id,id>[&spread=1]: the next unlabelled faces
// (spread=1 without after: start at the caller's own point in the queue).
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { labelQueue } from '@/lib/dataset/labels';

const query = z.object({
  after: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  exclude: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').filter(Boolean).slice(0, 200) : [])),
  spread: z.enum(['1']).optional(),
});

export const GET = apiRoute({ role: 'labeler' }, async ({ req, actor }) => {
  const q = query.parse(Object.fromEntries(new URL(req.url).searchParams));
  return { faces: await labelQueue(db(), { ...q, spreadKey: q.spread ? actor.id : undefined }) };
});
