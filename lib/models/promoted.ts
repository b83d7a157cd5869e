/**
 * The one owner of "the promoted model": `<modelsDir>/<runId>/{model.json, weights.bin, meta.json}` of the run
 * flagged `Run.promoted` (written and promoted by ./registry).
 * - `promotedModel`: which run and its meta, for the preview (`GET /api/models/promoted`);
 * - `loadPromoted`: the loaded head, cached, swapped when another run is promoted (the predict API, the CLI);
 * - `predictImage`: every face of an encoded image classified by it (`POST /api/predict`);
 * - `runModelFile`: which model files may be served to browsers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import type { Db } from '../db';
import type { Limits } from '../images';
import type { FaceResult, LoadedHead } from '../inference/classify';
import type { ModelMeta } from '../inference/meta';
import { headKeeper, promotedRun, readMeta } from './registry';
import { ensureModelLocal } from './remote';
import { classifyEncoded } from './serve';
import { getTf } from './tf';
import { config } from '../config';
import { processPool, type ThreadPool } from './threads';

/** The files of a model folder, the only ones served to browsers. */
const MODEL_FILES = ['model.json', 'weights.bin', 'meta.json'] as const;

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface PromotedModel {
  runId: string;
  dir: string;
  meta: ModelMeta;
  promotedAt: Date | null;
}

/** Folder of a run's model: the path the run recorded, else `<modelsDir>/<runId>`. */
function modelDirOf(modelsDir: string, run: { id: string; modelDir: string | null }): string {
  if (!RUN_ID.test(run.id)) throw new Error(`invalid run id "${run.id}"`);
  return run.modelDir ? path.resolve(modelsDir, run.modelDir) : path.join(modelsDir, run.id);
}

/** The promoted run's model, or null when none is promoted. Throws when its files are missing. */
export async function promotedModel(db: Db, modelsDir: string): Promise<PromotedModel | null> {
  const run = await promotedRun(db);
  if (!run) return null;
  const dir = modelDirOf(modelsDir, run);
  await ensureModelLocal(dir);
  return { runId: run.id, dir, meta: { ...readMeta(dir), runId: run.id }, promotedAt: run.promotedAt };
}

/** Path of one file of a run's model folder (any run that has one, not only the promoted). */
export async function runModelFile(db: Db, modelsDir: string, runId: string, file: string): Promise<string | null> {
  if (!RUN_ID.test(runId) || !(MODEL_FILES as readonly string[]).includes(file)) return null;
  const run = await db.run.findUnique({ where: { id: runId }, select: { id: true, modelDir: true } });
  if (!run) return null;
  const dir = modelDirOf(modelsDir, run);
  await ensureModelLocal(dir);
  const p = path.join(dir, file);
  return fs.existsSync(p) ? p : null;
}

const keptHead = headKeeper(getTf);

/** The promoted run's loaded head and its folder. UserError 409 when no model is promoted. */
async function promotedHead(db: Db): Promise<{ head: LoadedHead; modelDir: string }> {
  const run = await promotedRun(db);
  if (!run || !run.modelDir) throw new UserError('No model has been promoted yet: train one first (Training page or `train --wait`)', 409);
  return { head: await keptHead(run.id, run.modelDir), modelDir: run.modelDir };
}

/**
 * The promoted model, loaded once per promoted run. When another run is promoted the next call loads that one
 * and forgets the previous head. UserError 409 when no model is promoted.
 */
export async function loadPromoted(db: Db): Promise<LoadedHead> {
  return (await promotedHead(db)).head;
}

export interface Prediction {
  model: { runId: string; classes: readonly string[] };
  width: number;
  height: number;
  faces: FaceResult[];
}

/**
 * Classifies every face of an encoded image with the promoted model (the `POST /api/predict` service).
 * UserError 409 when no model is promoted, 400 for an undecodable or too large image.
 */
export async function predictImage(db: Db, input: Uint8Array, opts: Partial<Limits> = {}): Promise<Prediction> {
  const { head, modelDir } = await promotedHead(db);
  const pool = modelThreads();
  // On a model thread (lib/models/thread-main.ts) when there are any: the caller's event loop keeps serving.
  const out = pool
    ? await pool.runOr('classify', { runId: head.runId, modelDir, bytes: new Uint8Array(input), limits: opts }, [], () => classifyEncoded(head, input, opts))
    : await classifyEncoded(head, input, opts);
  return { model: { runId: head.runId, classes: head.meta.classes }, ...out };
}

/** The process's predict threads (lib/models/thread-main.ts), or null when MASKLAB_WORKER_THREADS is 0. */
export function modelThreads(): ThreadPool | null {
  return processPool('lib/models/thread-main.ts', 'predict', config().workerThreads);
}
