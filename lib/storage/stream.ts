// Streaming reads and writes on any BlobStore: the store's own `putStream`/`getStream` when it has them
// (LocalStore, S3Store), else the whole blob through `put`/`get` (small test stores).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from './types';

/** Writes `body` under `key` without holding it in memory where the store allows. Returns its size. */
export async function putStream(store: BlobStore, key: string, body: Readable): Promise<number> {
  if (store.putStream) return store.putStream(key, body);
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c as Uint8Array));
  const data = Buffer.concat(chunks);
  await store.put(key, data);
  return data.length;
}

/** The blob as a stream with its size, or null when the key does not exist. */
export async function getStream(store: BlobStore, key: string): Promise<{ body: Readable; size: number } | null> {
  if (store.getStream) return store.getStream(key);
  const data = await store.get(key);
  return data && { body: Readable.from([data]), size: data.length };
}

/** Uploads a local file (streamed). */
export function putFile(store: BlobStore, key: string, file: string): Promise<number> {
  return putStream(store, key, fs.createReadStream(file));
}

/**
 * Copies a blob to a local file: written to a temporary file beside it and renamed into place, so the
 * file is whole or absent. Returns false (writing nothing) when the key does not exist.
 */
export async function getFile(store: BlobStore, key: string, file: string): Promise<boolean> {
  const src = await getStream(store, key);
  if (!src) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  try {
    await pipeline(src.body, fs.createWriteStream(tmp, { flags: 'wx' }));
    fs.renameSync(tmp, file);
    return true;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
