// GET /api/exports: the newest dataset exports with their status, options, progress { step, done, total } and
// whether their archive can be downloaded (GET /api/export?job=<id>). Admins; the Training page polls it.
import { apiRoute } from '@/app/_server/guard';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { listExports } from '@/lib/training/export-queue';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ role: 'admin' }, async () => ({ exports: await listExports(db(), config().dataDir) }));
