// Where photo bytes live. Callers only see `BlobStore` and the key helpers in ./keys, so an
// S3-compatible store can be added next to the local one without touching them.
import path from 'node:path';
import { config } from '../config';
import { LocalStore } from './local';
import type { BlobStore } from './types';

export type { BlobStore, BlobInfo } from './types';
export { LocalStore } from './local';
export * from './keys';

const g = globalThis as unknown as { __masklabStore?: BlobStore };

/** The process-wide store: the local file system under `$MASKLAB_DATA_DIR/store`. */
export function store(): BlobStore {
  g.__masklabStore ??= new LocalStore(path.join(config().dataDir, 'store'));
  return g.__masklabStore;
}
