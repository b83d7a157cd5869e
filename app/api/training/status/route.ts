import { apiRoute } from '@/app/_server/guard';
import { trainingStatusSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { trainingStatus } from '@/lib/training/views';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'viewer',
    summary: 'Training progress and recent runs',
    description: "The latest train job's progress and log tail, and the recent runs with their metrics (the Training page polls it).",
    responses: { 200: { description: 'Progress and runs', schema: trainingStatusSchema } },
  },
  async () => trainingStatus(db()),
);
