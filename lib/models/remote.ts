// Model folders on shared object storage (MASKLAB_STORAGE=s3://…, `sharedStore()`): `saveModel` writes
// the folder locally as always, then copies it to `models/<runId>/…` (meta.json last: a folder without
// it is incomplete) before the run records it; any process that needs a model it does not have (a
// worker or web instance on another host, a fresh container) downloads it into its models folder,
// which is then a cache. With the local store nothing here does anything.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type BlobStore, getFile, modelKey, putFile, sharedStore } from '../storage';

/** The files of a model folder, in upload order (meta.json, the "complete" marker, last). */
export const MODEL_FOLDER_FILES = ['weights.bin', 'model.json', 'meta.json'] as const;

/** Copies a saved model folder to the shared store; on failure removes what it copied and throws. */
export async function publishModel(dir: string, runId: string, store: BlobStore | null = sharedStore()): Promise<void> {
  if (!store) return;
  try {
    for (const f of MODEL_FOLDER_FILES) await putFile(store, modelKey(runId, f), path.join(dir, f));
  } catch (err) {
    for (const f of MODEL_FOLDER_FILES) await store.delete(modelKey(runId, f)).catch(() => {});
    throw new Error(`could not copy model ${runId} to ${store.where ?? 'the object store'}: ${(err as Error).message}`);
  }
}

/**
 * Makes sure `dir` (`<models folder>/<runId>`) holds its model: when its meta.json is missing and the
 * shared store has the run's model, downloads it into a temporary folder beside it (`.tmp-…`, swept
 * like a killed save) and renames that into place. Returns whether a download happened.
 */
export async function ensureModelLocal(dir: string, store: BlobStore | null = sharedStore()): Promise<boolean> {
  if (!store || fs.existsSync(path.join(dir, 'meta.json'))) return false;
  const runId = path.basename(dir);
  if (!(await store.stat(modelKey(runId, 'meta.json')))) return false; // callers report the missing model
  const tmp = path.join(path.dirname(dir), `.tmp-fetch-${runId}-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(tmp, { recursive: true });
  try {
    for (const f of MODEL_FOLDER_FILES) {
      if (!(await getFile(store, modelKey(runId, f), path.join(tmp, f)))) throw new Error(`model ${runId} in ${store.where ?? 'the object store'} lacks ${f}`);
    }
    fs.rmSync(dir, { recursive: true, force: true }); // an incomplete folder (no meta.json)
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      if (!fs.existsSync(path.join(dir, 'meta.json'))) throw err; // else another process fetched it first
    }
    return true;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Removes a run's model from the shared store (its orphaned folder was removed locally). */
export async function removeRemoteModel(runId: string, store: BlobStore | null = sharedStore()): Promise<void> {
  if (!store) return;
  for (const f of MODEL_FOLDER_FILES) await store.delete(modelKey(runId, f));
}
