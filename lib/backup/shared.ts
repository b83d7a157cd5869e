// Backup and restore with shared object storage (MASKLAB_STORAGE=s3://…): photo files and model folders
// live in the store (model folders under `models/<run>/`), so the backup reads them from there and a
// restore writes them back there, into an empty store (a new bucket or prefix).
import type fs from 'node:fs';
import { type BlobStore, LocalStore } from '../storage';
import { BackupError } from './database';
import { readEntry, type TarEntry, type TarWriter } from './tar';

const MODEL_FILE = /^models\/[A-Za-z0-9_-]{1,64}\/(model\.json|weights\.bin|meta\.json)$/;

/** Adds every complete model (one with meta.json) of the store as `models/<run>/<file>`. Returns the files added. */
export async function readSharedModels(store: BlobStore, tar: TarWriter): Promise<number> {
  const keys: string[] = [];
  for await (const key of store.list('models/')) if (MODEL_FILE.test(key)) keys.push(key);
  const complete = new Set(keys.filter((k) => k.endsWith('/meta.json')).map((k) => k.split('/')[1]));
  let n = 0;
  for (const key of keys.sort()) {
    if (!complete.has(key.split('/')[1])) continue; // being uploaded right now, or cut short
    const data = await store.get(key);
    if (!data) continue; // removed meanwhile (an orphan swept)
    await tar.addBuffer(key, data, 0o644);
    n++;
  }
  return n;
}

export type SharedTarget = { store: BlobStore; written: string[] };

/** The S3 store a restore writes to (refused unless empty), or null for the local store. */
export async function sharedTarget(store: BlobStore | undefined): Promise<SharedTarget | null> {
  if (!store || store instanceof LocalStore) return null;
  for await (const key of store.list('')) {
    throw new BackupError(`the object store ${store.where ?? ''} is not empty (it holds ${key}); restore only into an empty bucket or prefix (MASKLAB_STORAGE)`);
  }
  return { store, written: [] };
}

/** Writes one archive entry to the store under `key` (remembered, so a failed restore removes it again). */
export async function restoreSharedFile(target: SharedTarget, archive: fs.promises.FileHandle, e: TarEntry, key: string): Promise<void> {
  target.written.push(key);
  await target.store.put(key, await readEntry(archive, e));
}
