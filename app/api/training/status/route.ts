import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { trainingStatus } from '@/lib/training/views';

export const dynamic = 'force-dynamic';

/** The latest train job's progress, log tail and the recent runs (the Training page polls it). */
export const GET = apiRoute({ role: 'viewer' }, async () => trainingStatus(db()));
