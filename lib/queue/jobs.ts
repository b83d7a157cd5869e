// Jobs live in the database. A worker claims one atomically, holds it with a lease that
// it renews (heartbeat), and finishes it. A job whose worker died (lease expired) goes
// back to the queue until it has used up maxAttempts; then it fails.
//   SQLite: one worker; the claim is a conditional UPDATE (… WHERE status = 'queued').
//   PostgreSQL: several workers; the claim is UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED).
import { z } from 'zod';
import { type Db, isPostgres, isUniqueViolation } from '../db';
import { UserError } from '../errors';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const jobTypeSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'job type: lower-case letters, digits, - and _');

export type JobRow = Awaited<ReturnType<Db['job']['findUniqueOrThrow']>>;

export const DEFAULT_LEASE_MS = 30_000;

const ACTIVE: JobStatus[] = ['queued', 'running'];
/** The key of a single job waiting behind a running one of its type (`queueSingleJob` with `behindRunning`). */
export const NEXT_SUFFIX = ':next';

export async function enqueue(
  db: Db,
  input: { type: string; payload?: unknown; createdById?: string | null; maxAttempts?: number; singleKey?: string | null },
): Promise<JobRow> {
  const type = jobTypeSchema.parse(input.type);
  const maxAttempts = z.number().int().min(1).max(20).parse(input.maxAttempts ?? 3);
  return db.job.create({
    data: { type, payload: JSON.stringify(input.payload ?? {}), createdById: input.createdById ?? null, maxAttempts, singleKey: input.singleKey ?? null },
  });
}

/**
 * Queues a job of `type` that runs once at a time, unless one is queued or running already: then
 * returns that one (`alreadyQueued`). The database decides, not a look first: the job holds the
 * unique `Job.singleKey` (its type) while queued or running, so of requests at the same moment, on
 * any number of web servers, one inserts and the others get its job. Every update that ends a job
 * (finish, cancel, lease expiry) sets the key to NULL in the same statement.
 *
 * `behindRunning` (suggest): one job may wait behind a running one (key `<type>:next`, which `claim`
 * turns into `<type>` when it starts it, and not while another one holds `<type>`); then the waiting
 * one is returned.
 */
export async function queueSingleJob(
  db: Db,
  type: string,
  actorId: string | null,
  payload: unknown = {},
  opts: { maxAttempts?: number; behindRunning?: boolean } = {},
): Promise<{ job: JobRow; alreadyQueued: boolean }> {
  const singleKey = jobTypeSchema.parse(type) + (opts.behindRunning ? NEXT_SUFFIX : '');
  // Each lost insert means the key was held; a second try is needed only when its holder ended
  // between our insert and our read, so this ends.
  for (let tries = 0; ; tries++) {
    try {
      return { job: await enqueue(db, { type, payload, createdById: actorId, maxAttempts: opts.maxAttempts ?? 2, singleKey }), alreadyQueued: false };
    } catch (err) {
      if (!isUniqueViolation(err) || tries >= 5) throw err;
    }
    const holder = await db.job.findUnique({ where: { singleKey } });
    if (holder && ACTIVE.includes(holder.status as JobStatus)) return { job: holder, alreadyQueued: true };
    // A key left on a job that is no longer active would block its type for good: release it.
    if (holder) await db.job.updateMany({ where: { id: holder.id, singleKey, status: { notIn: ACTIVE } }, data: { singleKey: null } });
  }
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
        ? { status: 'failed', error: `worker ${j.lockedBy ?? '?'} stopped responding; gave up after ${j.attempts} attempt(s)`, lockedBy: null, leaseUntil: null, finishedAt: now, singleKey: null }
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

/**
 * Atomically takes the oldest queued job (of the given types) for `workerId`, or null. A single job
 * waiting behind a running one (`singleKey` `<type>:next`) is passed over while another job holds
 * `<type>`; taking it moves its key to `<type>`.
 */
export async function claim(
  db: Db,
  workerId: string,
  /** `parentId`: only the chunks of that job (lib/queue/chunks.ts). */
  opts: { types?: string[]; leaseMs?: number; now?: Date; parentId?: string } = {},
): Promise<JobRow | null> {
  const now = opts.now ?? new Date();
  const leaseUntil = new Date(now.getTime() + (opts.leaseMs ?? DEFAULT_LEASE_MS));
  await requeueExpired(db, now);
  if (isPostgres(db)) {
    const types = opts.types ?? null;
    const take = () =>
      db.$queryRawUnsafe<{ id: string }[]>(
        `UPDATE "Job" SET status = 'running', "lockedBy" = $1, "leaseUntil" = $2, "heartbeatAt" = $3,
                attempts = attempts + 1, "startedAt" = COALESCE("startedAt", $3),
                "singleKey" = CASE WHEN "singleKey" IS NULL THEN NULL ELSE type END
          WHERE id = (SELECT j.id FROM "Job" j
                       WHERE j.status = 'queued' AND j."cancelRequested" = false
                         AND ($4::text[] IS NULL OR j.type = ANY($4::text[]))
                         AND ($5::text IS NULL OR j."parentId" = $5::text)
                         AND (j."singleKey" IS NULL OR j."singleKey" = j.type
                              OR NOT EXISTS (SELECT 1 FROM "Job" h WHERE h."singleKey" = j.type))
                       ORDER BY j."createdAt", j.id
                       LIMIT 1
                       FOR UPDATE OF j SKIP LOCKED)
          RETURNING id`,
        workerId,
        leaseUntil,
        now,
        types,
        opts.parentId ?? null,
      );
    let rows: { id: string }[];
    try {
      rows = await take();
    } catch (err) {
      // Another claimer started a job of the same single type at this very moment (its key was not
      // yet committed when the check above ran): the unique key refused ours. Once more sees it.
      if (!isUniqueViolation(err) && !/23505|unique/i.test(String((err as Error)?.message))) throw err;
      rows = await take();
    }
    if (rows.length === 0) return null;
    return db.job.findUniqueOrThrow({ where: { id: rows[0].id } });
  }
  // SQLite: pick a candidate, then take it only if it is still queued. Another claimer that
  // won the race makes our UPDATE touch 0 rows; try the next candidate (each lost race means
  // another claimer took a job, so this ends). A waiting single job whose type is held is passed over.
  const passed: string[] = [];
  for (;;) {
    const candidate = await db.job.findFirst({
      where: {
        status: 'queued',
        cancelRequested: false,
        id: { notIn: passed },
        ...(opts.types ? { type: { in: opts.types } } : {}),
        ...(opts.parentId ? { parentId: opts.parentId } : {}),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { id: true, startedAt: true, type: true, singleKey: true },
    });
    if (!candidate) return null;
    const waiting = candidate.singleKey !== null && candidate.singleKey !== candidate.type;
    if (waiting && (await db.job.count({ where: { singleKey: candidate.type } })) > 0) {
      passed.push(candidate.id);
      continue;
    }
    let res: { count: number };
    try {
      res = await db.job.updateMany({
        where: { id: candidate.id, status: 'queued' },
        data: {
          status: 'running',
          lockedBy: workerId,
          leaseUntil,
          heartbeatAt: now,
          attempts: { increment: 1 },
          startedAt: candidate.startedAt ?? now,
          ...(waiting ? { singleKey: candidate.type } : {}),
        },
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      res = { count: 0 }; // another claimer started one of its type in between: check again
    }
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
    data: { ...data, lockedBy: null, leaseUntil: null, finishedAt: new Date(), singleKey: null },
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
    data: { status: 'cancelled', cancelRequested: true, finishedAt: new Date(), error: 'cancelled before it started', singleKey: null },
  });
  if (queued.count === 1) {
    await cancelChunks(db, jobId);
    return { status: 'cancelled' };
  }
  const running = await db.job.updateMany({ where: { id: jobId, status: 'running' }, data: { cancelRequested: true } });
  if (running.count === 1) {
    await cancelChunks(db, jobId);
    return { status: 'running' };
  }
  const j = await db.job.findUnique({ where: { id: jobId }, select: { status: true } });
  if (!j) throw new UserError('No such job', 404);
  throw new UserError(`The job has already ${j.status}`, 409);
}

/** A job's chunks (lib/queue/chunks.ts) stop with it: queued ones at once, running ones at their next checkpoint. */
export async function cancelChunks(db: Db, parentId: string): Promise<void> {
  await db.job.updateMany({
    where: { parentId, status: 'queued' },
    data: { status: 'cancelled', cancelRequested: true, finishedAt: new Date(), error: 'its job was cancelled or failed', singleKey: null },
  });
  await db.job.updateMany({ where: { parentId, status: 'running' }, data: { cancelRequested: true } });
}

/**
 * A chunk whose handler threw goes back to the queue alone (any worker may take it again), until it has
 * used up its attempts; then it fails (and its parent with it). Returns whether it was re-queued.
 */
export async function retryChunk(db: Db, job: Pick<JobRow, 'id' | 'parentId' | 'attempts' | 'maxAttempts'>, workerId: string, error: string): Promise<boolean> {
  if (!job.parentId || job.attempts >= job.maxAttempts) return false;
  const res = await db.job.updateMany({
    where: { id: job.id, status: 'running', lockedBy: workerId, cancelRequested: false },
    data: { status: 'queued', lockedBy: null, leaseUntil: null, error: error.slice(0, 4000) },
  });
  return res.count === 1;
}

export async function getJob(db: Db, jobId: string) {
  return db.job.findUnique({ where: { id: jobId } });
}

