// Queuing the `suggest` job (the promoted model's class suggestions for unlabelled faces, run by
// lib/suggest/job.ts in the worker). No ML imports: the web app, imports and promotion call it.
import type { Db } from '../db';
import { queueSingleJob } from '../queue/jobs';

export const SUGGEST_JOB = 'suggest';

/**
 * Queues a suggest job unless one is already waiting (a running one may have missed the newest
 * faces, so one queued behind it is kept; it starts when the running one ends: `queueSingleJob`
 * with `behindRunning`). With `ifPromoted` (imports), only when a model is promoted. Returns the
 * waiting job's id, or null when nothing was queued.
 */
export async function queueSuggest(db: Db, opts: { createdById?: string | null; ifPromoted?: boolean } = {}): Promise<string | null> {
  if (opts.ifPromoted) {
    const promoted = await db.run.count({ where: { promoted: true } });
    if (promoted === 0) return null;
  }
  const { job } = await queueSingleJob(db, SUGGEST_JOB, opts.createdById ?? null, {}, { maxAttempts: 3, behindRunning: true });
  return job.id;
}

/** After an import batch (zip, folder, a request's uploads): new faces get suggestions when a model is promoted. Never throws. */
export async function suggestAfterImport(db: Db, createdById?: string | null): Promise<void> {
  await queueSuggest(db, { createdById, ifPromoted: true }).catch((err) => console.error(`masklab: queueing suggestions: ${(err as Error).message}`));
}
