// Zip archives sent as a request body are streamed to `<dataDir>/incoming/<id>.zip` (never held
// in memory), within the size limit, and imported from there by an `import` job. The file belongs
// to its job: the job deletes it when it is done; `sweepIncoming` removes what a dead job left.
// On shared object storage (MASKLAB_STORAGE=s3://…, `sharedStore()`) the upload streams to
// `incoming/<name>` there instead (a multipart upload: whole or nothing), so a worker on another
// host can read it: the job copies it to the same local path (a spool) before reading it, and a chunk
// of the job on a host without that copy spools its own (`<file>.spool-<pid>`).
import crypto from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpError, UserError } from '../errors';
import { limitedChunks } from '../http/body';
import type { Db } from '../db';
import { type BlobStore, incomingKey, putStream, sharedStore } from '../storage';

export const incomingDir = (dataDir: string) => path.join(dataDir, 'incoming');

// The 413 and the Content-Length check live with the one body limiter (lib/http/body.ts).
export { checkDeclaredLength, tooLarge } from '../http/body';

/**
 * Writes `body` to a new file under `dir`, at most `maxBytes`: over it, the partial file is
 * removed and a 413 UserError thrown. Returns the file's path and size.
 */
export async function receiveZip(
  body: ReadableStream<Uint8Array> | Readable,
  dir: string,
  maxBytes: number,
  shared: BlobStore | null = sharedStore(),
): Promise<{ file: string; bytes: number }> {
  const name = `${crypto.randomBytes(12).toString('hex')}.zip`;
  const file = path.join(dir, name);
  let bytes = 0;
  // The one body limiter: it stops pulling (and throws the 413) at the chunk that passes the limit,
  // with or without a Content-Length.
  const limited = (async function* () {
    for await (const chunk of limitedChunks(body as ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, { maxBytes, what: 'The zip archive', setting: 'MASKLAB_MAX_ZIP_MB' })) {
      bytes += chunk.byteLength;
      yield chunk;
    }
  })();
  const remove = () => (shared ? shared.delete(incomingKey(name)) : fs.rm(file, { force: true }));
  try {
    if (shared) await putStream(shared, incomingKey(name), Readable.from(limited));
    else {
      await fs.mkdir(dir, { recursive: true });
      await pipeline(Readable.from(limited), createWriteStream(file, { flags: 'wx' }));
    }
  } catch (err) {
    await remove();
    if (err instanceof HttpError) throw err;
    throw new UserError(`The upload did not arrive whole: ${(err as Error).message}`);
  }
  if (bytes === 0) {
    await remove();
    throw new UserError('Send the zip archive as the request body');
  }
  return { file, bytes };
}

/** A file in the incoming folder that no queued or running import job refers to. */
export type IncomingLeftover = {
  /** The file, or for an upload on shared object storage `<store>/incoming/<name>`. */
  path: string;
  /** Set for an upload on shared object storage: its key there. */
  key?: string;
  bytes: number;
  modified: Date;
  /** Why it is there, in words. */
  why: string;
  removed: boolean;
};

/** The files queued and running import jobs read (their payload's `file`), resolved. */
async function liveImportFiles(db: Db): Promise<Set<string>> {
  const live = await db.job.findMany({ where: { type: 'import', status: { in: ['queued', 'running'] } }, select: { payload: true } });
  const keep = new Set<string>();
  for (const j of live) {
    try {
      const f = (JSON.parse(j.payload) as { file?: unknown }).file;
      if (typeof f === 'string') keep.add(path.resolve(f));
    } catch {
      // an unreadable payload refers to nothing
    }
  }
  return keep;
}

/**
 * The files in the incoming folder that no queued or running import job refers to, with why:
 * a zip whose import job ended without removing it, an upload cut short (no job was ever
 * queued for it: the web server stopped while receiving it) or still arriving, or a temporary
 * file. Young files may be uploads in flight: callers remove only old ones.
 */
export async function findIncomingLeftovers(db: Db, dir: string, now = Date.now(), shared: BlobStore | null = sharedStore()): Promise<IncomingLeftover[]> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).sort();
  } catch {
    names = [];
  }
  const keep = await liveImportFiles(db);
  const out: IncomingLeftover[] = [];
  const found = async (n: string, st: { size: number; mtime: Date }, where: { path: string; key?: string }) => {
    const job = await db.job.findFirst({ where: { type: 'import', payload: { contains: n } }, orderBy: { createdAt: 'desc' }, select: { id: true, status: true } });
    const age = Math.max(0, Math.round((now - st.mtime.getTime()) / 1000));
    const why = job
      ? `its import job ${job.id} ${job.status} without removing it`
      : n.endsWith('.zip')
        ? `no import job refers to it: an upload cut short (the web server stopped while receiving it), or one still arriving (last written ${age} s ago)`
        : `not an upload archive: a temporary or partial file no import job refers to (last written ${age} s ago)`;
    out.push({ ...where, bytes: st.size, modified: st.mtime, why, removed: false });
  };
  for (const n of names) {
    const full = path.resolve(dir, n);
    // A live import's file, or a worker's spool of it (lib/import/job.ts).
    if (keep.has(full) || keep.has(full.replace(/\.spool-\d+$/, ''))) continue;
    const st = await fs.stat(full).catch(() => null);
    if (!st || !st.isFile()) continue;
    await found(n, st, { path: full });
  }
  if (shared) {
    // An upload's key is named after the local path its job reads (`incoming/<name>`).
    const live = new Set([...keep].map((f) => path.basename(f)));
    for await (const key of shared.list('incoming/')) {
      const n = key.slice('incoming/'.length);
      if (live.has(n)) continue;
      const st = await shared.stat(key);
      if (st) await found(n, { size: st.size, mtime: st.modified }, { path: `${shared.where ?? ''} ${key}`.trim(), key });
    }
  }
  return out;
}

/** Removes the leftovers untouched for `minAgeMs` (younger ones may still be arriving); sets `removed`. */
export async function removeIncomingLeftovers(found: IncomingLeftover[], minAgeMs: number, now = Date.now(), shared: BlobStore | null = sharedStore()): Promise<number> {
  let n = 0;
  for (const f of found) {
    if (f.key) {
      const st = shared && (await shared.stat(f.key));
      if (!shared || !st || now - st.modified.getTime() < minAgeMs) continue;
      await shared.delete(f.key);
      f.removed = true;
      n++;
      continue;
    }
    const st = await fs.stat(f.path).catch(() => null);
    if (!st || now - st.mtimeMs < minAgeMs) continue;
    await fs.rm(f.path, { force: true });
    f.removed = true;
    n++;
  }
  return n;
}

/**
 * Removes files in the incoming folder that no queued or running import job refers to and that
 * are older than `minAgeMs` (younger ones may still be arriving). Returns the removed paths.
 */
export async function sweepIncoming(db: Db, dir: string, minAgeMs = 60 * 60_000, now = Date.now(), shared: BlobStore | null = sharedStore()): Promise<string[]> {
  const found = await findIncomingLeftovers(db, dir, now, shared);
  await removeIncomingLeftovers(found, minAgeMs, now, shared);
  return found.filter((f) => f.removed).map((f) => f.path);
}
