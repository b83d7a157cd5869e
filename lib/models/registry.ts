// The model registry: each run's head lives in `<modelsDir>/<runId>/` as a standard TF.js
// layers model (model.json + weights.bin) plus meta.json. The folder is written whole to a
// temporary folder and renamed into place, so a crashed run leaves no half-written model;
// `sweepTemp` removes what a killed process left in the temporary folders (old ones only:
// another worker may be writing a young one).
// Promotion (a database flag, Run.promoted) is lib/training/promote.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { Db } from '../db';
import { UserError } from '../errors';
import { type ModelMeta, parseModelMeta } from '../inference/meta';
import type { Tf } from '../inference/types';
import type { LoadedHead } from '../inference/classify';
import { ensureModelLocal, publishModel } from './remote';

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
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  // Shared object storage (S3): the model goes there before the run records it, so every host can load it.
  try {
    await publishModel(final, runId);
  } catch (err) {
    fs.rmSync(final, { recursive: true, force: true });
    throw err;
  }
  return final;
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
  await ensureModelLocal(dir); // from shared object storage into the local models folder, when it is not here yet
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

/**
 * A keeper of one run's loaded head (one per process, or per model thread): `load(runId, dir)` loads it on first
 * ask and again when another run is asked for (the previous head is not disposed: a request may still be using
 * it, and a head is ~0.3 MB); a failed load is tried again on the next ask.
 */
export function headKeeper(tf: () => Promise<Tf>): (runId: string, dir: string) => Promise<LoadedHead> {
  let kept: { runId: string; head: Promise<LoadedHead> } | null = null;
  return (runId, dir) => {
    if (kept?.runId !== runId) {
      const entry = { runId, head: tf().then((t) => loadModel(t, dir)).then(({ model, meta }) => ({ model, meta, runId })) };
      entry.head.catch(() => {
        if (kept === entry) kept = null;
      });
      kept = entry;
    }
    return kept.head;
  };
}

/** The promoted run (the model the preview and the predict API use), or null. */
export async function promotedRun(db: Db) {
  return db.run.findFirst({ where: { promoted: true }, orderBy: { promotedAt: 'desc' } });
}
