// `storage migrate`: copies a local install's files to the configured shared object store (S3) — the photo
// store (originals, derived images), the model folders, finished exports and waiting uploads — then
// verifies every one: the count, each object's size, and the sha256 of every original (its key names it).
// Idempotent: an object already there with the same size is not copied again, so a migration cut short is
// simply run again. Nothing local is removed: once it reports success, start masklab with MASKLAB_STORAGE.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type BlobStore, exportKey, getStream, incomingKey, LocalStore, modelKey, putFile, shaOfKey } from '../storage';

export type MigrateReport = {
  target: string;
  /** Files found locally (and so objects expected in the store). */
  files: number;
  bytes: number;
  copied: number;
  /** Already in the store with the same size. */
  skipped: number;
  /** Objects whose size matched after copying. */
  verified: number;
  /** Originals whose sha256 was read back from the store and matched their key. */
  hashed: number;
  /** What did not verify, in words (empty on success). */
  problems: string[];
};

type Item = { key: string; file: string; size: number };

const MODEL_FILES = ['weights.bin', 'model.json', 'meta.json']; // meta.json last: a folder without it is incomplete
const RUN = /^[A-Za-z0-9_-]{1,64}$/;

function files(dir: string, keep: (name: string) => boolean): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => keep(n) && fs.statSync(path.join(dir, n)).isFile()).sort();
  } catch {
    return [];
  }
}

/** Everything of the local install that belongs in the shared store, with its key. */
export async function localItems(dataDir: string, modelsDir: string): Promise<Item[]> {
  const out: Item[] = [];
  const add = (key: string, file: string) => out.push({ key, file, size: fs.statSync(file).size });
  const local = new LocalStore(path.join(dataDir, 'store'));
  for await (const key of local.list('')) add(key, path.join(local.root, ...key.split('/')));
  let runs: string[] = [];
  try {
    runs = fs.readdirSync(modelsDir).filter((n) => RUN.test(n) && fs.statSync(path.join(modelsDir, n)).isDirectory()).sort();
  } catch {
    // no models folder
  }
  for (const run of runs) {
    const dir = path.join(modelsDir, run);
    if (!MODEL_FILES.every((f) => fs.existsSync(path.join(dir, f)))) continue; // not a model folder
    for (const f of MODEL_FILES) add(modelKey(run, f), path.join(dir, f));
  }
  for (const n of files(path.join(dataDir, 'exports'), (n) => /^[A-Za-z0-9_-]{1,64}\.zip$/.test(n))) add(exportKey(n.slice(0, -4)), path.join(dataDir, 'exports', n));
  for (const n of files(path.join(dataDir, 'incoming'), (n) => /^[0-9a-f]+\.zip$/.test(n))) add(incomingKey(n), path.join(dataDir, 'incoming', n));
  return out;
}

async function sha256Of(store: BlobStore, key: string): Promise<string | null> {
  const s = await getStream(store, key);
  if (!s) return null;
  const h = crypto.createHash('sha256');
  for await (const c of s.body) h.update(c as Buffer);
  return h.digest('hex');
}

export async function migrateStorage(opts: {
  dataDir: string;
  modelsDir: string;
  target: BlobStore;
  log?: (line: string) => void;
}): Promise<MigrateReport> {
  const { target } = opts;
  if (target instanceof LocalStore) {
    throw new Error('storage migrate copies to S3-compatible storage: set MASKLAB_STORAGE=s3://<bucket>/<prefix> (and the AWS variables) first');
  }
  const items = await localItems(opts.dataDir, opts.modelsDir);
  const r: MigrateReport = { target: target.where ?? 'the object store', files: items.length, bytes: 0, copied: 0, skipped: 0, verified: 0, hashed: 0, problems: [] };
  let done = 0;
  for (const it of items) {
    r.bytes += it.size;
    const there = await target.stat(it.key);
    if (there && there.size === it.size) r.skipped++;
    else {
      await putFile(target, it.key, it.file);
      r.copied++;
    }
    if (++done % 500 === 0) opts.log?.(`storage migrate: ${done} of ${items.length} files…`);
  }
  // Verify what the store now holds, read back from it: every object there with its size, originals by content.
  for (const it of items) {
    const st = await target.stat(it.key);
    if (!st) r.problems.push(`${it.key}: missing in the store after copying`);
    else if (st.size !== it.size) r.problems.push(`${it.key}: ${st.size} bytes in the store, ${it.size} locally`);
    else {
      r.verified++;
      const sha = it.key.startsWith('objects/') ? shaOfKey(it.key) : null;
      if (sha) {
        const got = await sha256Of(target, it.key);
        if (got === sha) r.hashed++;
        else r.problems.push(`${it.key}: its sha256 in the store is ${got}, not the one its name says`);
      }
    }
  }
  if (r.verified !== r.files) r.problems.unshift(`${r.verified} of ${r.files} files verified`);
  return r;
}
