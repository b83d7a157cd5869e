import type { Readable } from 'node:stream';

/** Size and modification time of a stored blob. */
export type BlobInfo = { size: number; modified: Date };

/**
 * A flat key -> bytes store. Keys are `/`-separated, made of [A-Za-z0-9._-] segments (see ./keys).
 * `put` is atomic: a reader sees the old bytes, the new bytes, or nothing, never a partial blob.
 */
export interface BlobStore {
  put(key: string, data: Buffer): Promise<void>;
  /** The bytes, or null when the key does not exist. */
  get(key: string): Promise<Buffer | null>;
  stat(key: string): Promise<BlobInfo | null>;
  /** Removes the key; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Every key under a prefix (for consistency checks; not used on hot paths). */
  list(prefix: string): AsyncIterable<string>;
  /**
   * Temporary files a killed writer left behind (a store whose writes leave none, such as S3,
   * leaves these out): their names, relative to the store, and when they were last written.
   */
  listTemp?(): AsyncIterable<{ name: string; modified: Date }>;
  /** Removes one temporary file that `listTemp` named. */
  removeTemp?(name: string): Promise<void>;
  /**
   * Writes a stream (large files: model weights, exports, uploaded zips) without holding it in memory,
   * as atomically as `put`: a failed or cut-short stream stores nothing. Returns the bytes written.
   * Stores without it get the whole stream buffered by `putStream()` in ./stream.
   */
  putStream?(key: string, body: Readable): Promise<number>;
  /** The bytes as a stream (with their size), or null when the key does not exist. */
  getStream?(key: string): Promise<{ body: Readable; size: number } | null>;
  /** Where the store is, in words, for messages (`s3://bucket/prefix at https://…`, a folder). */
  readonly where?: string;
}
