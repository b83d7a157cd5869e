// The model registry: each run's head lives in `<modelsDir>/<runId>/` as a standard TF.js
// layers model (model.json + weights.bin) plus meta.json. The folder is written whole to a
// temporary folder and renamed into place, so a crashed run leaves no half-written model;
// `sweepTemp` removes what a killed process left in the temporary folders (old ones only:
// another worker may be writing a young one).
// Promotion is a database flag (Run.promoted): exactly one run at a time, also when two
// promotions run at once.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { Db, Tx } from '../db';
import { config } from '../config';
import { appLink, emitEvent, metricsSummary } from '../webhooks/events';
import { UserError } from '../auth/roles';
import { isPostgres } from '../queue/jobs';
import { queueSuggest } from '../queue/suggest';
import { type ModelMeta, parseModelMeta } from '../inference/meta';
import type { Tf } from '../inference/types';

export const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const TEMP_PREFIX = '.tmp-';

export function runDir(modelsDir: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new UserError(`invalid run id "${runId}"`);
  return path.join(modelsDir, runId);
}

/** Test hook: called after each file is written (to simulate a crash mid-write). */
export type WriteHook = (file: string) => void;

/**
 * Writes `<modelsDir>/<runId>/{model.json, weights.bin, meta.json}` atomically.
 * Refuses to overwrite an existing run folder.
 */
export async function saveModel(
  tf: Tf,
  modelsDir: string,
  runId: string,
  model: TF.LayersModel,
  meta: ModelMeta,
  afterWrite?: WriteHook,
): Promise<string> {
  const final = runDir(modelsDir, runId);
  if (fs.existsSync(final)) throw new Error(`model folder ${final} already exists`);
  fs.mkdirSync(modelsDir, { recursive: true });
  const tmp = path.join(modelsDir, `${TEMP_PREFIX}${runId}-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(tmp);
  try {
    const write = (name: string, data: string | Uint8Array) => {
      const fd = fs.openSync(path.join(tmp, name), 'w');
      try {
        fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      afterWrite?.(name);
    };
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        const weightData = a.weightData ? tf.io.concatenateArrayBuffers(Array.isArray(a.weightData) ? a.weightData : [a.weightData]) : new ArrayBuffer(0);
        write('weights.bin', new Uint8Array(weightData));
        write(
          'model.json',
          JSON.stringify({
            format: 'layers-model',
            generatedBy: a.generatedBy,
            convertedBy: null,
            modelTopology: a.modelTopology,
            weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
          }),
        );
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    write('meta.json', JSON.stringify(meta, null, 2));
    fs.renameSync(tmp, final);
    return final;
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Removes temporary folders left by a process that died while writing a model. Only folders
 * untouched for `minAgeMs` (pass the job lease: a live writer renews its lease far more
 * often than that, and a save takes seconds) go: another worker may be writing a young one.
 */
export function sweepTemp(modelsDir: string, minAgeMs: number): string[] {
  if (!fs.existsSync(modelsDir)) return [];
  const gone: string[] = [];
  const now = Date.now();
  for (const e of fs.readdirSync(modelsDir)) {
    if (!e.startsWith(TEMP_PREFIX)) continue;
    const dir = path.join(modelsDir, e);
    if (now - lastWritten(dir) < minAgeMs) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    gone.push(e);
  }
  return gone;
}

/** The newest modification time of a folder and the files in it (0 when it is gone). */
export function lastWritten(dir: string): number {
  let newest = fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  try {
    for (const f of fs.readdirSync(dir)) newest = Math.max(newest, fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.mtimeMs ?? 0);
  } catch {
    // removed meanwhile
  }
  return newest;
}

/** A model folder's meta.json, validated (`parseModelMeta`). */
export function readMeta(dir: string): ModelMeta {
  const file = path.join(dir, 'meta.json');
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read the model's ${file}: ${(err as Error).message}`);
  }
  return parseModelMeta(json, file);
}

export async function loadModel(tf: Tf, dir: string): Promise<{ model: TF.LayersModel; meta: ModelMeta }> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const bin = fs.readFileSync(path.join(dir, 'weights.bin'));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
  return { model, meta: readMeta(dir) };
}

/** The promoted run (the model the preview and the predict API use), or null. */
export async function promotedRun(db: Db) {
  return db.run.findFirst({ where: { promoted: true }, orderBy: { promotedAt: 'desc' } });
}

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
 * or was cancelled never promotes. A successful promotion queues a `suggest` job (lib/queue/suggest.ts).
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
