import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { pageQuery } from '@/app/_server/api-fields';
import { pageOf, runSummarySchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { runsPage } from '@/lib/training/views';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'viewer',
    query: z.object(pageQuery),
    summary: 'List training runs',
    description: 'Every run, newest first, with its status and headline test metrics, a page at a time (`{ items, nextCursor }`). The whole report of one: `GET /api/runs/{id}`.',
    responses: { 200: { description: 'One page of runs', schema: pageOf(runSummarySchema) } },
  },
  async ({ query }) => runsPage(db(), query),
);
