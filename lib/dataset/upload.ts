// Files sent by the browser (upload page, camera) or an API client: images are ingested one by
// one, zip archives are spooled to a temp file and imported entry by entry.
import crypto from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Db } from '../db';
import { sniff } from '../images';
import type { Label } from '../classes';
import { importZipFile, type ImportOptions } from './import';
import { type IngestOptions, type IngestResult, type IngestSource, ingestSafely } from './ingest';
import type { ZipLimits } from './zip';

export type UploadOptions = { uploaderId: string; label: Label | null; source: IngestSource; zipLimits: ZipLimits };

async function withTempFile<T>(fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'masklab-upload-'));
  try {
    return await fn(path.join(dir, 'upload.zip'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function importOpts(o: UploadOptions, onResult?: (r: IngestResult) => void | Promise<void>): ImportOptions {
  return { uploaderId: o.uploaderId, source: o.source === 'camera' ? 'camera' : 'upload', label: o.label, zipLimits: o.zipLimits, onResult };
}

/** Ingests uploaded files in order; a zip contributes one result per entry. */
export async function ingestFiles(db: Db, ingest: IngestOptions, files: Array<{ name: string; bytes: Buffer }>, o: UploadOptions): Promise<IngestResult[]> {
  const results: IngestResult[] = [];
  for (const f of files) {
    if (sniff(f.bytes.subarray(0, 16)).kind === 'zip') {
      await withTempFile(async (tmp) => {
        await fs.writeFile(tmp, f.bytes);
        await importZipFile(db, ingest, tmp, f.name, importOpts(o, (r) => void results.push(r)));
      });
    } else {
      results.push(await ingestSafely(db, ingest, { bytes: f.bytes, name: f.name, uploaderId: o.uploaderId, label: o.label, source: o.source }));
    }
  }
  return results;
}

/**
 * A zip sent as the raw request body, written to a temp file (at most `maxBytes`) and imported;
 * `onResult` sees every entry as it is done.
 */
export async function ingestZipStream(
  db: Db,
  ingest: IngestOptions,
  body: ReadableStream<Uint8Array>,
  name: string,
  maxBytes: number,
  o: UploadOptions,
  onResult: (r: IngestResult) => void | Promise<void>,
) {
  return withTempFile(async (tmp) => {
    let n = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        n += chunk.length;
        if (n > maxBytes) cb(new Error(`the zip is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`));
        else cb(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), cap, createWriteStream(tmp));
    } catch (err) {
      const r: IngestResult = { file: name, status: 'rejected', reason: `upload failed: ${(err as Error).message}` };
      await onResult(r);
      return;
    }
    await importZipFile(db, ingest, tmp, name, importOpts(o, onResult));
  });
}

export const newUploadId = () => crypto.randomBytes(8).toString('hex');
