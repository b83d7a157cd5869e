// Where photo bytes live. Callers only see `BlobStore` and the key helpers in ./keys: the local
// store (default) or an S3-compatible one (MASKLAB_STORAGE=s3://bucket/prefix, ./s3).
import path from 'node:path';
import { config } from '../config';
import { LocalStore } from './local';
import { S3Store, s3OptionsFromEnv } from './s3';
import type { BlobStore } from './types';

export type { BlobStore, BlobInfo } from './types';
export { LocalStore } from './local';
export { MIN_PART_SIZE, S3Store, StorageError, parseS3Url, s3OptionsFromEnv, type S3StoreOptions } from './s3';
export * from './keys';
export { getFile, getStream, putFile, putStream } from './stream';

const g = globalThis as unknown as { __masklabStore?: BlobStore };

/**
 * The process-wide store: S3 when MASKLAB_STORAGE is set, else the local file system under
 * `$MASKLAB_DATA_DIR/store`.
 */
export function store(): BlobStore {
  if (!g.__masklabStore) {
    const cfg = config();
    g.__masklabStore = cfg.storage ? new S3Store(s3OptionsFromEnv(cfg.storage, cfg.s3PathStyle)) : new LocalStore(path.join(cfg.dataDir, 'store'));
  }
  return g.__masklabStore;
}

/** Replaces the process-wide store (tests; `undefined`: back to the configured one). */
export function useStore(s: BlobStore | undefined): void {
  g.__masklabStore = s;
}

/**
 * The store when it is shared object storage (S3): then model folders, exports and uploaded zips go
 * there too (keys `models/`, `exports/`, `incoming/`), each process keeping only a local cache or spool.
 * Null for the local store: those stay plain folders under the data and models folders, as always.
 */
export function sharedStore(): BlobStore | null {
  const s = store();
  return s instanceof LocalStore ? null : s;
}

/** At start: that the configured bucket exists and is reachable (a clear StorageError otherwise). */
export async function checkStore(s: BlobStore = store()): Promise<void> {
  if (s instanceof S3Store) await s.check();
}
