// Files sent by the browser (upload page, camera) or an API client: images are ingested one by
// one, zip archives are spooled to a temp file and imported entry by entry.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors';
import type { Db } from '../db';
import { sniff } from '../images';
import type { Label } from '../classes';
import { importZipFile, type ImportOptions } from './folder';
import { type IngestOptions, type IngestResult, type IngestSource, ingestSafely } from '../dataset/ingest';
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

function importOpts(o: UploadOptions, onResult?: (r: IngestResult) => void): ImportOptions {
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

export const isZipName = (name: string) => /\.zip$/i.test(name);

/** The 413 for a single photo (`what`: "image", "frame", …) over MASKLAB_MAX_UPLOAD_MB; the message names its size and the limit. */
export function photoTooLarge(bytes: number, maxBytes: number, what = 'photo'): UserError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return new UserError(`The ${what} is ${mb(bytes)}, over the ${Math.round((maxBytes / 1024 / 1024) * 10) / 10} MB limit (MASKLAB_MAX_UPLOAD_MB)`, 413);
}
