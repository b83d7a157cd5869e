import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { faceFilterQuery, pageQuery } from '@/app/_server/api-fields';
import { faceCardSchema, pageOf } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { facesPage } from '@/lib/dataset/browse';
import { blindFaceIds } from '@/lib/dataset/reviews';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'viewer',
    query: z.object({ ...faceFilterQuery, ...pageQuery }),
    summary: 'List faces',
    description:
      'Faces matching the gallery\'s filter, newest first, a page at a time (`{ items, nextCursor }`). A face you owe a blind second opinion is shown unlabelled and left out of label filters.',
    responses: { 200: { description: 'One page of faces', schema: pageOf(faceCardSchema) } },
  },
  async ({ actor, query: { cursor, limit, ...filter } }) => facesPage(db(), filter, { cursor, limit, blind: await blindFaceIds(db(), actor) }),
);
