// The `export` job (run by the worker): writes `<data dir>/exports/<job id>.zip`, storing progress { step, done,
// total } for the Training page at most once a second, then removes all but the newest KEEP_EXPORTS archives.
// A small export (under MIN_CHUNKED_EXPORT faces), or one on a worker without the chunk handler, is written here
// by `exportDataset`. A large one is split into `export-chunk` jobs that any idle worker claims (lib/queue/chunks.ts;
// this job's worker works on them too, so one worker alone still does them all): each reads its faces' crops or
// photos (the costly part: a storage read per face, or a photo decoded and re-encoded) and writes them as a part
// (lib/export/parts.ts); then this job copies the parts in order into the archive (`assembleArchive`, the layout
// of lib/export/export.ts) and removes them, whether it succeeded, failed or was cancelled.
// A retried job starts over (the archive is written whole or not at all), except that it finds the chunks its
// first attempt queued, and their parts.
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config';
import { canRunChunks, chunkFaces, chunkSize, chunksStopped, runChunks } from '../queue/chunks';
import { type JobContext, JobInterrupted } from '../queue/worker';
import { type BlobStore, exportKey, exportOfPartKey, isExportKey, LocalStore, putFile, sharedStore, store as defaultStore } from '../storage';
import type { S3Store } from '../storage';
import { assembleArchive, exportDataset, type ExportRunOptions, exportSelection, facePages } from './export';
import { copyPart, isPartsDirName, keepPart, localPart, partFile, partsDirName, type PartsPlace, removeParts, writePart } from './parts';
import { EXPORT_CHUNK_JOB, EXPORT_JOB, exportFilePath, type ExportOptions, exportOptionsSchema, type ExportProgress, type ExportResult, exportsDir, KEEP_EXPORTS } from './queue';

export { EXPORT_CHUNK_JOB, EXPORT_JOB };

const SAVE_EVERY_MS = 1000;

/**
 * From this many faces an export job goes to chunks. Below it one worker writes the archive in seconds (a
 * thousand local crops take about one; on S3 a thousand reads take some ten), and chunks would only add a part
 * written and copied again for little to share.
 */
export const MIN_CHUNKED_EXPORT = 1000;

/**
 * Faces per export chunk: about 16 chunks, so that several workers share them and a failed one repeats little,
 * but at least 250 (a chunk's own cost: a claim, a part written, uploaded and read back) and at most 2,000 (a
 * chunk's progress moves; a retried one repeats at most that), more only to stay within MAX_CHUNKS.
 */
export const exportChunkSize = (faces: number): number => chunkSize(faces, { aim: 16, min: 250, max: 2000 });

/** When an export goes to chunks and how large they are (tests make them small). */
export type ExportChunking = { minFaces?: number; size?: (faces: number) => number };

type ExportHandlerOptions = { store?: BlobStore; dataDir?: () => string; modelsDir?: () => string; chunking?: ExportChunking };

/** An export chunk: part number `n` of its export (the chunk's place in the archive), the ids of its faces in archive order. */
type ExportChunkPayload = { n: number; ids: string[]; options: ExportOptions };
type ExportChunkResult = { n: number; faces: number };

/** When a file or folder was last written (for a folder, the newest of it and the files in it); null when it is gone. */
function lastWritten(file: string): number | null {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return st?.mtimeMs ?? null;
  return Math.max(st.mtimeMs, ...fs.readdirSync(file).map((n) => fs.statSync(path.join(file, n), { throwIfNoEntry: false })?.mtimeMs ?? 0));
}

/**
 * Removes all but the newest `keep` archives, and what exports that were cut short left: temporary files and the
 * parts folders of exports in chunks, once not written to for `partialIdleMs` (a worker's lease), so that what
 * another worker is writing right now stays; and never the parts of `ownJob` (a retried job finds its parts again).
 */
export function cleanupExports(dir: string, keep = KEEP_EXPORTS, partialIdleMs = config().workerLeaseMs, ownJob?: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  // (An entry renamed or removed meanwhile, by a writer finishing, is left out.)
  const entries = fs.readdirSync(dir).flatMap((name) => {
    const mtime = lastWritten(path.join(dir, name));
    return mtime === null ? [] : [{ name, mtime }];
  });
  const idleSince = Date.now() - partialIdleMs;
  const leftover = (name: string) => name.startsWith('.') && (name.includes('.partial-') || (isPartsDirName(name) && name !== (ownJob && partsDirName(ownJob))));
  for (const e of entries.filter((e) => leftover(e.name) && e.mtime < idleSince)) {
    fs.rmSync(path.join(dir, e.name), { recursive: true, force: true });
    removed.push(e.name);
  }
  const zips = entries.filter((e) => e.name.endsWith('.zip') && !e.name.startsWith('.')).sort((a, b) => b.mtime - a.mtime);
  for (const e of zips.slice(keep)) {
    fs.rmSync(path.join(dir, e.name), { force: true });
    removed.push(e.name);
  }
  return removed;
}

/**
 * On shared object storage: removes all but the newest `keep` archives under `exports/` (by their modification
 * time), and the parts that exports cut short left (`exports/parts/<job id>/`, once none was written for
 * `partsIdleMs`). Returns the removed archives' file names and the removed parts' `parts/<job id>/`.
 */
export async function cleanupSharedExports(shared: BlobStore, keep = KEEP_EXPORTS, partsIdleMs = config().workerLeaseMs): Promise<string[]> {
  const found: { key: string; mtime: number }[] = [];
  const withInfo = (shared as Partial<S3Store>).listWithInfo?.bind(shared);
  if (withInfo) for await (const o of withInfo('exports/')) found.push({ key: o.key, mtime: o.modified.getTime() });
  else for await (const key of shared.list('exports/')) found.push({ key, mtime: (await shared.stat(key))?.modified.getTime() ?? 0 });
  const removed: string[] = [];
  for (const e of found.filter((e) => isExportKey(e.key)).sort((a, b) => b.mtime - a.mtime).slice(keep)) {
    await shared.delete(e.key);
    removed.push(e.key.slice('exports/'.length));
  }
  const parts = new Map<string, { keys: string[]; mtime: number }>();
  for (const e of found) {
    const job = exportOfPartKey(e.key);
    if (!job) continue;
    const p = parts.get(job) ?? parts.set(job, { keys: [], mtime: 0 }).get(job)!;
    p.keys.push(e.key);
    p.mtime = Math.max(p.mtime, e.mtime);
  }
  for (const [job, p] of parts) {
    if (p.mtime >= Date.now() - partsIdleMs) continue;
    for (const key of p.keys) await shared.delete(key);
    removed.push(`parts/${job}/`);
  }
  return removed;
}

/** The store when it is shared object storage (S3): archives and parts go there. */
function sharedOf(store: BlobStore | undefined): BlobStore | null {
  const blobs = store ?? sharedStore();
  return blobs && !(blobs instanceof LocalStore) ? blobs : null;
}

/**
 * Saves a job's progress at most once a second in the middle of a step (always its first and last), each time with
 * a cancel/lease check, but none once the archive is in place ('done').
 */
function progressSaver(ctx: JobContext) {
  let saved = 0;
  return async (p: { step?: ExportProgress['step']; done: number; total: number }) => {
    const within = (p.step ?? 'faces') === 'faces' && p.done > 0 && p.done < p.total;
    if (within && Date.now() - saved < SAVE_EVERY_MS) return;
    saved = Date.now();
    await ctx.progress(p);
    if (p.step !== 'done') await ctx.checkpoint();
  };
}

export function exportJobHandler(opts: ExportHandlerOptions = {}) {
  return async function runExportJob(ctx: JobContext): Promise<ExportResult> {
    const payload = (ctx.payload ?? {}) as { options?: unknown };
    const options = exportOptionsSchema.parse(payload.options ?? {});
    const dataDir = opts.dataDir?.() ?? config().dataDir;
    const dir = exportsDir(dataDir);
    fs.mkdirSync(dir, { recursive: true });
    // What exports that died left (idle for a lease).
    cleanupExports(dir, Number.MAX_SAFE_INTEGER, undefined, ctx.job.id);
    const file = exportFilePath(dataDir, ctx.job.id);
    const shared = sharedOf(opts.store);
    const run: ExportRunOptions = { store: opts.store, modelsDir: opts.modelsDir?.(), onProgress: progressSaver(ctx) };
    const t0 = Date.now();
    const faces = await ctx.db.face.count({ where: exportSelection(options).where });
    let r: ExportResult;
    let how = '';
    if (faces >= (opts.chunking?.minFaces ?? MIN_CHUNKED_EXPORT) && canRunChunks(ctx, EXPORT_CHUNK_JOB)) {
      const place: PartsPlace = { dataDir, shared, jobId: ctx.job.id };
      try {
        const c = await exportInChunks(ctx, place, file, options, run, opts.chunking?.size ?? exportChunkSize);
        r = c.result;
        how = `, ${c.chunks} chunks`;
      } catch (err) {
        // Interrupted (shutting down, lease lost): the next attempt needs the parts. Else they go, once no chunk
        // writes one any more.
        if (!(err instanceof JobInterrupted)) {
          await chunksStopped(ctx.db, ctx.job.id, config().workerLeaseMs);
          await removeParts(place);
        }
        throw err;
      }
      await removeParts(place);
    } else {
      r = await exportDataset(ctx.db, file, options, run);
    }
    // Shared object storage (S3): the archive is written to a local file as always (whole or not at all), then
    // uploaded in parts and removed here; downloads stream it from the store.
    let removed: string[];
    if (shared) {
      try {
        await putFile(shared, exportKey(ctx.job.id), file);
      } finally {
        fs.rmSync(file, { force: true });
      }
      removed = await cleanupSharedExports(shared);
    } else {
      removed = cleanupExports(dir);
    }
    removed = removed.filter((n) => n.endsWith('.zip'));
    await ctx.log(
      `exported ${r.faces} faces (${(r.bytes / 1024 / 1024).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s${how}` +
        `${r.model ? `, model of run ${r.model}` : ''}${r.modelNote ? ` (${r.modelNote})` : ''}${removed.length ? `; removed ${removed.length} older archive(s)` : ''}`,
    );
    return { faces: r.faces, bytes: r.bytes, model: r.model, ...(r.modelNote ? { modelNote: r.modelNote } : {}) };
  };
}

/**
 * The export in chunks: its faces listed in archive order (ids only, a page at a time), cut into chunks (a photo's
 * faces in one, so that whole photos are decoded once) that any worker writes as parts, then the parts copied in
 * order into the archive. Progress: the chunks' faces summed, as the `faces` step.
 */
async function exportInChunks(
  ctx: JobContext,
  place: PartsPlace,
  file: string,
  options: ExportOptions,
  run: ExportRunOptions,
  size: (faces: number) => number,
): Promise<{ result: ExportResult; chunks: number }> {
  const faces: { id: string; photoId: string }[] = [];
  for await (const page of facePages(exportSelection(options).where, (p) => ctx.db.face.findMany({ ...p, select: { id: true, photoId: true } }))) faces.push(...page);
  const payloads: ExportChunkPayload[] = chunkFaces(faces, size(faces.length)).map((c, n) => ({ n, ids: c.ids, options }));
  const progress: ExportProgress = { step: 'faces', done: 0, total: faces.length };
  await run.onProgress?.(progress);
  // A retried job gets the chunks (and parts) of its first attempt, whatever this listing says.
  const parts = await runChunks<ExportChunkResult>(ctx, EXPORT_CHUNK_JOB, payloads, {
    size: (p) => (p as ExportChunkPayload).ids.length,
    onProgress: async (p) => {
      Object.assign(progress, p);
      await run.onProgress?.(progress);
    },
  });
  const result = await assembleArchive(ctx.db, file, options, run, progress, async (sink) => {
    for (const part of parts) {
      const local = await localPart(place, part.n);
      try {
        await copyPart(local.file, sink);
      } finally {
        local.release();
      }
      await run.onProgress?.(progress); // a cancel check between parts
    }
  });
  return { result, chunks: parts.length };
}

/**
 * One chunk of an export: its faces' images and rows written as part `n` of its export job (lib/export/parts.ts),
 * where every worker reads it. Progress `{ done, total }` over its faces.
 */
export function exportChunkHandler(opts: ExportHandlerOptions = {}) {
  return async function runExportChunk(ctx: JobContext): Promise<ExportChunkResult> {
    const { n, ids, options } = ctx.payload as ExportChunkPayload;
    const jobId = ctx.job.parentId;
    if (!jobId) throw new Error('an export chunk without its export job');
    const dataDir = opts.dataDir?.() ?? config().dataDir;
    // What exports that died left here (a worker that only runs chunks never runs the job's cleanup).
    cleanupExports(exportsDir(dataDir), Number.MAX_SAFE_INTEGER, undefined, jobId);
    const place: PartsPlace = { dataDir, shared: sharedOf(opts.store), jobId };
    const save = progressSaver(ctx);
    const progress = { done: 0, total: ids.length };
    await save(progress);
    const faces = await writePart(ctx.db, partFile(place, n), ids, exportOptionsSchema.parse(options), opts.store ?? defaultStore(), {
      onFace: () => {
        progress.done++;
        return save(progress);
      },
      beforeFinish: () => ctx.checkpoint(),
    });
    await keepPart(place, n);
    await ctx.progress({ done: ids.length, total: ids.length });
    return { n, faces };
  };
}

/** The worker's handlers for exports: the job and its chunks. */
export function exportHandlers(opts: ExportHandlerOptions = {}) {
  return { [EXPORT_JOB]: exportJobHandler(opts), [EXPORT_CHUNK_JOB]: exportChunkHandler(opts) };
}
