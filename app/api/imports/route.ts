import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { importSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { recentImports } from '@/lib/import/progress';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'labeler',
    summary: 'Your recent zip imports',
    description: "The signed-in user's recent zip imports (status and counts, no per-entry results), newest first: `{ imports }`.",
    responses: { 200: { description: 'Your recent imports', schema: z.object({ imports: z.array(importSchema) }) } },
  },
  async ({ actor }) => ({ imports: await recentImports(db(), actor) }),
);
