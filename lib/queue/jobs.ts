// Jobs live in the database. A worker claims one atomically, holds it with a lease that
// it renews (heartbeat), and finishes it. A job whose worker died (lease expired) goes
// back to the queue until it has used up maxAttempts; then it fails.
//   SQLite: one worker; the claim is a conditional UPDATE (… WHERE status = 'queued').
//   PostgreSQL: several workers; the claim is UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED).
import { z } from 'zod';
import type { Db } from '../db';
import { UserError } from '../errors';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const jobTypeSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'job type: lower-case letters, digits, - and _');

export type JobRow = Awaited<ReturnType<Db['job']['findUniqueOrThrow']>>;

export const DEFAULT_LEASE_MS = 30_000;

export async function enqueue(
  db: Db,
  input: { type: string; payload?: unknown; createdById?: string | null; maxAttempts?: number },
): Promise<JobRow> {
  const type = jobTypeSchema.parse(input.type);
  const maxAttempts = z.number().int().min(1).max(20).parse(input.maxAttempts ?? 3);
  return db.job.create({
    data: { type, payload: JSON.stringify(input.payload ?? {}), createdById: input.createdById ?? null, maxAttempts },
  });
}

/** Queues a job of `type` unless one is queued or running already (then returns that one, `alreadyQueued`). */
export async function queueSingleJob(db: Db, type: string, actorId: string | null, payload: unknown = {}) {
  const busy = await db.job.findFirst({ where: { type, status: { in: ['queued', 'running'] } }, orderBy: { createdAt: 'asc' } });
  if (busy) return { job: busy, alreadyQueued: true };
  return { job: await enqueue(db, { type, payload, createdById: actorId, maxAttempts: 2 }), alreadyQueued: false };
}

export function isPostgres(db: Db): boolean {
  // The PostgreSQL client is a different generated class; its engine reports the provider.
  const provider = (db as unknown as { _engineConfig?: { activeProvider?: string } })._engineConfig?.activeProvider;
  return provider === 'postgresql';
}

/**
 * Puts running jobs whose lease has expired back in the queue (or fails them when they
 * have no attempts left). Returns how many were re-queued and failed.
 */
export async function requeueExpired(db: Db, now = new Date()): Promise<{ requeued: number; failed: number }> {
  const expired = await db.job.findMany({
    where: { status: 'running', leaseUntil: { lt: now } },
    select: { id: true, attempts: true, maxAttempts: true, lockedBy: true },
  });
  let requeued = 0;
  let failed = 0;
  for (const j of expired) {
    const giveUp = j.attempts >= j.maxAttempts;
    // Conditional on the same lease still being expired: a heartbeat that lands first wins.
    const res = await db.job.updateMany({
      where: { id: j.id, status: 'running', lockedBy: j.lockedBy, leaseUntil: { lt: now } },
      data: giveUp
        ? { status: 'failed', error: `worker ${j.lockedBy ?? '?'} stopped responding; gave up after ${j.attempts} attempt(s)`, lockedBy: null, leaseUntil: null, finishedAt: now }
        : { status: 'queued', lockedBy: null, leaseUntil: null },
    });
    if (res.count === 1) {
      await db.jobLog.create({
        data: {
          jobId: j.id,
          level: 'warn',
          message: giveUp
            ? `lease of worker ${j.lockedBy} expired; no attempts left (${j.attempts}/${j.maxAttempts})`
            : `lease of worker ${j.lockedBy} expired; re-queued (attempt ${j.attempts}/${j.maxAttempts} used)`,
        },
      });
      if (giveUp) failed++;
      else requeued++;
    }
  }
  return { requeued, failed };
}

/** Atomically takes the oldest queued job (of the given types) for `workerId`, or null. */
export async function claim(
  db: Db,
  workerId: string,
  opts: { types?: string[]; leaseMs?: number; now?: Date } = {},
): Promise<JobRow | null> {
  const now = opts.now ?? new Date();
  const leaseUntil = new Date(now.getTime() + (opts.leaseMs ?? DEFAULT_LEASE_MS));
  await requeueExpired(db, now);
  if (isPostgres(db)) {
    const types = opts.types ?? null;
    const rows = await db.$queryRawUnsafe<{ id: string }[]>(
      `UPDATE "Job" SET status = 'running', "lockedBy" = $1, "leaseUntil" = $2, "heartbeatAt" = $3,
              attempts = attempts + 1, "startedAt" = COALESCE("startedAt", $3)
        WHERE id = (SELECT id FROM "Job"
                     WHERE status = 'queued' AND "cancelRequested" = false
                       AND ($4::text[] IS NULL OR type = ANY($4::text[]))
                     ORDER BY "createdAt", id
                     LIMIT 1
                     FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      workerId,
      leaseUntil,
      now,
      types,
    );
    if (rows.length === 0) return null;
    return db.job.findUniqueOrThrow({ where: { id: rows[0].id } });
  }
  // SQLite: pick a candidate, then take it only if it is still queued. Another claimer that
  // won the race makes our UPDATE touch 0 rows; try the next candidate (each lost race means
  // another claimer took a job, so this ends).
  for (;;) {
    const candidate = await db.job.findFirst({
      where: { status: 'queued', cancelRequested: false, ...(opts.types ? { type: { in: opts.types } } : {}) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { id: true, startedAt: true },
    });
    if (!candidate) return null;
    const res = await db.job.updateMany({
      where: { id: candidate.id, status: 'queued' },
      data: {
        status: 'running',
        lockedBy: workerId,
        leaseUntil,
        heartbeatAt: now,
        attempts: { increment: 1 },
        startedAt: candidate.startedAt ?? now,
      },
    });
    if (res.count === 1) return db.job.findUniqueOrThrow({ where: { id: candidate.id } });
  }
}

/**
 * Renews the lease. Returns `{ held: false }` when the job is no longer this worker's
 * (it expired and was re-queued, or finished), and whether a cancel was requested.
 */
export async function heartbeat(
  db: Db,
  jobId: string,
  workerId: string,
  leaseMs = DEFAULT_LEASE_MS,
): Promise<{ held: boolean; cancelRequested: boolean }> {
  const now = new Date();
  const res = await db.job.updateMany({
    where: { id: jobId, status: 'running', lockedBy: workerId },
    data: { leaseUntil: new Date(now.getTime() + leaseMs), heartbeatAt: now },
  });
  if (res.count === 0) return { held: false, cancelRequested: false };
  const j = await db.job.findUnique({ where: { id: jobId }, select: { cancelRequested: true } });
  return { held: true, cancelRequested: !!j?.cancelRequested };
}

/** Stores the job's progress (a JSON object the UI polls). Only the lease holder may. */
export async function setProgress(db: Db, jobId: string, workerId: string, progress: unknown): Promise<boolean> {
  const res = await db.job.updateMany({
    where: { id: jobId, status: 'running', lockedBy: workerId },
    data: { progress: JSON.stringify(progress) },
  });
  return res.count === 1;
}

export async function appendLog(db: Db, jobId: string, message: string, level: 'info' | 'warn' | 'error' = 'info') {
  await db.jobLog.create({ data: { jobId, message: message.slice(0, 4000), level } });
}

async function finish(db: Db, jobId: string, workerId: string, data: Parameters<Db['job']['updateMany']>[0]['data']) {
  const res = await db.job.updateMany({
    where: { id: jobId, status: 'running', lockedBy: workerId },
    data: { ...data, lockedBy: null, leaseUntil: null, finishedAt: new Date() },
  });
  return res.count === 1;
}

export const complete = (db: Db, jobId: string, workerId: string, result: unknown) =>
  finish(db, jobId, workerId, { status: 'succeeded', result: JSON.stringify(result ?? null) });

export const fail = (db: Db, jobId: string, workerId: string, error: string) =>
  finish(db, jobId, workerId, { status: 'failed', error: error.slice(0, 4000) });

export const markCancelled = (db: Db, jobId: string, workerId: string) =>
  finish(db, jobId, workerId, { status: 'cancelled', error: 'cancelled on request' });

/** The worker is shutting down: give the job back without using up an attempt. */
export async function release(db: Db, jobId: string, workerId: string): Promise<boolean> {
  const res = await db.job.updateMany({
    where: { id: jobId, status: 'running', lockedBy: workerId },
    data: { status: 'queued', lockedBy: null, leaseUntil: null, attempts: { decrement: 1 } },
  });
  return res.count === 1;
}

/**
 * Cancels a job: a queued one at once; a running one is flagged and its worker stops at
 * the next check (between epochs). Finished jobs cannot be cancelled.
 */
export async function cancel(db: Db, jobId: string): Promise<{ status: JobStatus }> {
  const queued = await db.job.updateMany({
    where: { id: jobId, status: 'queued' },
    data: { status: 'cancelled', cancelRequested: true, finishedAt: new Date(), error: 'cancelled before it started' },
  });
  if (queued.count === 1) return { status: 'cancelled' };
  const running = await db.job.updateMany({ where: { id: jobId, status: 'running' }, data: { cancelRequested: true } });
  if (running.count === 1) return { status: 'running' };
  const j = await db.job.findUnique({ where: { id: jobId }, select: { status: true } });
  if (!j) throw new UserError('No such job', 404);
  throw new UserError(`The job has already ${j.status}`, 409);
}

export async function getJob(db: Db, jobId: string) {
  return db.job.findUnique({ where: { id: jobId } });
}

