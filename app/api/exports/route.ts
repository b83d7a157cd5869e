// The dataset exports: list them (the Training page polls this) or start one, for scripts and CI.
import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { exportSummarySchema, queuedSchema } from '@/app/_server/api-schemas';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { exportOptionsSchema, listExports, queueExport } from '@/lib/export/queue';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'admin',
    summary: 'List dataset exports',
    description:
      'The newest exports with their status, options, progress `{ step, done, total }` and whether their archive can be downloaded (`GET /api/export?job=<id>`).',
    responses: { 200: { description: 'The newest exports', schema: z.object({ exports: z.array(exportSummarySchema) }) } },
  },
  async () => ({ exports: await listExports(db(), config().dataDir) }),
);

export const POST = apiRoute(
  {
    role: 'admin',
    body: exportOptionsSchema,
    summary: 'Start a dataset export',
    description:
      'Queues an export job, as the Training page\'s Export button does. While one is queued or running, that one is answered (`alreadyQueued: true`; its options apply). Poll `GET /api/exports`, then download with `GET /api/export?job=<jobId>`.',
    responses: { 200: { description: 'Queued', schema: queuedSchema } },
  },
  async ({ actor, body }) => {
    const { job, alreadyQueued } = await queueExport(db(), actor.id, body);
    return { jobId: job.id, alreadyQueued };
  },
);
