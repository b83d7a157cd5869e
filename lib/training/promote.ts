// Promotion: which run's model the preview, the predict API and suggestions use. A database flag
// (Run.promoted): exactly one run at a time, also when two promotions run at once. Every
// promotion sends `model.promoted` and queues fresh suggestions.
import { type Db, isPostgres, type Tx } from '../db';
import { config } from '../config';
import { UserError } from '../errors';
import { promotedRun } from '../models/registry';
import { queueSuggest } from '../suggest/queue';
import { appLink, emitEvent, metricsSummary } from '../webhooks/events';

/** Thrown by `promote` when `heldBy` names a job that is no longer running under that worker. */
export class PromotionRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromotionRefused';
  }
}

const PROMOTE_LOCK = 72707371; // PostgreSQL advisory lock key (migrations use 72707369)

/**
 * Makes `runId` the promoted model (only finished runs with a saved model). One transaction,
 * serialised against every other promotion (SQLite: its first statement is a write, which
 * takes the database's write lock; PostgreSQL: an advisory lock), so two runs finishing at
 * once leave exactly one promoted run. With `heldBy`, the job must still be running under
 * that worker and not cancelled, checked in the same transaction: a job that lost its lease
 * or was cancelled never promotes. A successful promotion queues a `suggest` job (lib/suggest/queue.ts).
 */
export async function promote(db: Db, runId: string, opts: { heldBy?: { jobId: string; workerId: string }; inTransaction?: (tx: Tx) => Promise<void> } = {}) {
  const run = await db.run.findUnique({ where: { id: runId } });
  if (!run) throw new UserError(`no run ${runId}`, 404);
  if (run.status !== 'succeeded' || !run.modelDir) throw new UserError(`run ${runId} has no saved model (status ${run.status})`, 409);
  const now = new Date();
  await db.$transaction(async (tx) => {
    if (isPostgres(db)) await tx.$queryRawUnsafe(`SELECT 1 AS locked FROM pg_advisory_xact_lock(${PROMOTE_LOCK})`);
    if (opts.heldBy) {
      const held = await tx.job.updateMany({
        where: { id: opts.heldBy.jobId, status: 'running', lockedBy: opts.heldBy.workerId, cancelRequested: false },
        data: { heartbeatAt: now },
      });
      if (held.count !== 1) throw new PromotionRefused(`job ${opts.heldBy.jobId} is no longer running under worker ${opts.heldBy.workerId}`);
    }
    const set = await tx.run.updateMany({
      where: { id: runId, status: 'succeeded', modelDir: { not: null } },
      data: { promoted: true, promotedAt: now },
    });
    if (set.count !== 1) throw new UserError(`run ${runId} has no saved model`, 409);
    const previous = await tx.run.findFirst({ where: { promoted: true, NOT: { id: runId } }, orderBy: { promotedAt: 'desc' }, select: { id: true } });
    await tx.run.updateMany({ where: { promoted: true, NOT: { id: runId } }, data: { promoted: false } });
    // Webhooks: the caller's events (the train job's run.finished), then model.promoted, in this transaction.
    await opts.inTransaction?.(tx);
    let metrics: unknown = null;
    try {
      metrics = run.metrics ? JSON.parse(run.metrics) : null;
    } catch {
      // unreadable metrics: the event goes without them
    }
    await emitEvent(tx, 'model.promoted', {
      runId,
      modelId: runId,
      previousRunId: previous?.id ?? null,
      metrics: metricsSummary(metrics),
      url: appLink(config(), `/training/${runId}`),
    });
  });
  // Every promotion (train job, Training page, CLI, rollback) refreshes the suggestions for unlabelled faces.
  await queueSuggest(db).catch((err) => console.error(`masklab: queueing suggestions after promoting ${runId}: ${(err as Error).message}`));
  return db.run.findUniqueOrThrow({ where: { id: runId } });
}

/** Promotes the run that was promoted before the current one. */
export async function rollback(db: Db) {
  const current = await promotedRun(db);
  if (!current) throw new UserError('no model is promoted', 409);
  const previous = await db.run.findFirst({
    where: { id: { not: current.id }, promotedAt: { not: null }, status: 'succeeded', modelDir: { not: null } },
    orderBy: { promotedAt: 'desc' },
  });
  if (!previous) throw new UserError('there is no earlier promoted model to roll back to', 409);
  return promote(db, previous.id);
}
