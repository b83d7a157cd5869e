import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { recentImports } from '@/lib/import/progress';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'labeler',
    summary: 'Your recent zip imports',
    description: "The signed-in user's recent zip imports (status and counts, no per-entry results), newest first: `{ imports }`.",
  },
  async ({ actor }) => ({ imports: await recentImports(db(), actor) }),
);
