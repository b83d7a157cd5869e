// Queuing the "features" job (apparent gender and age for faces that have none yet) and what the
// dashboard shows of it. No ML imports: the web app imports this module, the worker runs
// lib/features/job.
import type { Db, Prisma } from '../db';
import { EXCLUDED } from '../classes';
import { type JobRow, queueSingleJob } from '../queue/jobs';

export const FEATURES_JOB = 'features';
/** A chunk of a features job (lib/queue/chunks.ts): some faces' features, run by any idle worker. */
export const FEATURES_CHUNK_JOB = 'features-chunk';
/** A chunk of a retrain's augmented training views (lib/features/job.ts `jobViews`). */
export const VIEWS_CHUNK_JOB = 'views-chunk';

export type FeaturesProgress = {
  step: 'backfill' | 'features' | 'done';
  /** Faces whose apparent gender was copied from vectors cached before it was stored. */
  backfilled: number;
  features: { done: number; total: number };
};

/** Faces that need apparent gender/age: all but excluded ones (not faces), evaluation-set faces included. */
export const needsApparent: Prisma.FaceWhereInput = { apparentMale: null, OR: [{ label: null }, { label: { not: EXCLUDED } }] };

export async function apparentPending(db: Db): Promise<number> {
  return db.face.count({ where: needsApparent });
}

export async function activeFeaturesJob(db: Db): Promise<{ id: string; status: string; progress: FeaturesProgress | null } | null> {
  const j = await db.job.findFirst({ where: { type: FEATURES_JOB, status: { in: ['queued', 'running'] } }, orderBy: { createdAt: 'asc' } });
  if (!j) return null;
  // A job that wrote no progress yet stores `{}`: that is no progress.
  let progress: FeaturesProgress | null = null;
  try {
    const p = JSON.parse(j.progress) as Partial<FeaturesProgress> | null;
    progress = p && typeof p.step === 'string' ? (p as FeaturesProgress) : null;
  } catch {
    // unreadable: shown as no progress
  }
  return { id: j.id, status: j.status, progress };
}

/**
 * Queues a features job (admins only: checked by the caller), unless one is queued or running already:
 * then that one is returned (`queueSingleJob`: requests at the same moment get the same job).
 */
export async function queueFeatures(db: Db, actorId: string | null): Promise<{ job: JobRow; alreadyQueued: boolean }> {
  return queueSingleJob(db, FEATURES_JOB, actorId, {}, { maxAttempts: 3 });
}
