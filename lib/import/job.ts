// The `import` job (run by the worker): imports a zip that an upload streamed to disk, entry by
// entry through the one ingest pipeline, with progress { done, total, added, … } that the Collect
// page polls. A zip of MIN_CHUNKED_ENTRIES or more is split into `import-chunk` jobs (ranges of its
// entries) that any idle worker claims, this one too (lib/queue/chunks.ts); the job's counts are the
// chunks' summed, and its per-entry results are gathered when they all have finished.
// A retried job or chunk (its worker died or stopped) resumes after the entries its saved progress
// counts; anything ingested after the last save comes back as a duplicate of itself (sha256), never
// twice. The zip is deleted when the job succeeds, fails or is cancelled.
// On shared object storage the upload is `incoming/<name>` there: the job reads a local copy (a spool)
// at the payload's path; a chunk on another host spools its own copy once per process
// (`<file>.spool-<pid>`), and removes it when no chunk of the import is left to claim.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Db } from '../db';
import { JobInterrupted, type JobContext } from '../queue/worker';
import { canRunChunks, chunkSize, runChunks } from '../queue/chunks';
import { importZipFile, zipLimitsFromConfig } from './folder';
import { addProgress, emptyProgress, importPayloadSchema, type ImportPayload, type ImportProgress, parseProgress, tally } from './progress';
import { defaultIngestOptions, type IngestOptions } from '../dataset/ingest';
import { countZipResults, type ZipLimits, ZipRefused } from './zip';
import { finishImport } from './finish';
import { type BlobStore, getFile, incomingKey, sharedStore } from '../storage';
import { IMPORT_JOB } from './progress';

export { IMPORT_JOB };
export const IMPORT_CHUNK_JOB = 'import-chunk';

/**
 * From this many entries an import is split into chunks: below it, one worker is done in well under a minute
 * (an entry takes about 0.2 s) and chunks would cost more than they share.
 */
export const MIN_CHUNKED_ENTRIES = 64;

/** Progress is written at most this often (ms) while entries go through, and always at the end. */
const SAVE_EVERY_MS = 1000;

type ImportJobOptions = {
  ingest?: () => IngestOptions;
  zipLimits?: () => ZipLimits;
  shared?: () => BlobStore | null;
  /** From how many entries the job goes to chunks (tests lower it). */
  minChunkedEntries?: number;
};

const chunkPayloadSchema = importPayloadSchema.extend({ from: z.number().int().min(0), to: z.number().int().min(0) });
type ChunkPayload = z.infer<typeof chunkPayloadSchema>;

const exists = (file: string) =>
  fs.access(file).then(
    () => true,
    () => false,
  );

/** Writes the progress at most once a second (always when forced); `strip` leaves the results out. */
function saver(ctx: JobContext, progress: ImportProgress, strip = false) {
  let saved = 0;
  return async (force = false) => {
    if (!force && Date.now() - saved < SAVE_EVERY_MS) return;
    saved = Date.now();
    await ctx.progress(strip ? { ...progress, results: undefined } : progress);
  };
}

/** Entries `from` up to `to` of the zip at `file` through ingest, counted into `progress`, with a cancel/lease check after each. */
async function importEntries(
  ctx: JobContext,
  p: ImportPayload,
  file: string,
  opts: ImportJobOptions,
  range: { from: number; to?: number },
  progress: ImportProgress,
  save: (force?: boolean) => Promise<void>,
): Promise<void> {
  await importZipFile(ctx.db as Db, (opts.ingest ?? defaultIngestOptions)(), file, p.name, {
    uploaderId: p.uploaderId,
    source: 'upload',
    label: p.label,
    zipLimits: (opts.zipLimits ?? zipLimitsFromConfig)(),
    skipEntries: range.from,
    endEntry: range.to,
    onTotal: async (n) => {
      if (range.to !== undefined) return; // a chunk's total is its range
      progress.total = n;
      await save(true);
    },
    onResult: async (r) => {
      tally(progress, r);
      await save();
      await ctx.checkpoint();
    },
  });
}

/** The ranges of entries the job's chunks import, or null when it imports them itself. */
async function chunkRanges(ctx: JobContext, file: string, opts: ImportJobOptions, progress: ImportProgress): Promise<{ from: number; to: number }[] | null> {
  if (!canRunChunks(ctx, IMPORT_CHUNK_JOB)) return null;
  // An attempt that imported in place (a worker without the chunk handler) is resumed in place.
  if (progress.done > 0 && (await ctx.db.job.count({ where: { parentId: ctx.job.id } })) === 0) return null;
  let total: number;
  try {
    total = await countZipResults(file, (opts.zipLimits ?? zipLimitsFromConfig)());
  } catch (err) {
    if (err instanceof ZipRefused) return null; // refused as a whole: one result, given in place
    throw err;
  }
  if (total < (opts.minChunkedEntries ?? MIN_CHUNKED_ENTRIES)) return null;
  const size = chunkSize(total);
  const ranges: { from: number; to: number }[] = [];
  for (let from = 0; from < total; from += size) ranges.push({ from, to: Math.min(total, from + size) });
  return ranges;
}

export function importJobHandler(opts: ImportJobOptions = {}) {
  return async function runImportJob(ctx: JobContext): Promise<Omit<ImportProgress, 'results'>> {
    const p = importPayloadSchema.parse(ctx.payload);
    // On shared object storage the upload is `incoming/<name>` there; this worker reads a local copy (spool).
    const shared = (opts.shared ?? sharedStore)();
    const key = shared ? incomingKey(path.basename(p.file)) : null;
    const removeUpload = async () => {
      await fs.rm(p.file, { force: true });
      if (shared && key) await shared.delete(key);
    };
    const progress = parseProgress(ctx.job.progress);
    const save = saver(ctx, progress);
    try {
      if (!(await exists(p.file)) && !(shared && key && (await getFile(shared, key, p.file)))) {
        throw new Error(`the uploaded zip is no longer ${shared ? `in ${shared.where ?? 'the object store'}` : 'on disk'}; upload it again`);
      }
      const ranges = await chunkRanges(ctx, p.file, opts, progress);
      if (ranges) {
        progress.total = ranges.at(-1)!.to;
        await save(true);
        const parts = await runChunks<ImportProgress>(
          ctx,
          IMPORT_CHUNK_JOB,
          ranges.map((r) => ({ ...p, ...r })),
          {
            size: (c) => (c as ChunkPayload).to - (c as ChunkPayload).from,
            onProgress: async ({ done, added, duplicate, rejected, faces }) => {
              Object.assign(progress, { done, added: added ?? 0, duplicate: duplicate ?? 0, rejected: rejected ?? 0, faces: faces ?? 0 });
              await save();
            },
          },
        );
        const whole = emptyProgress();
        for (const part of parts) addProgress(whole, part);
        Object.assign(progress, whole);
        await ctx.log(`${ranges.length} chunks`);
      } else {
        if (progress.done > 0) await ctx.log(`resuming after ${progress.done} entries`);
        await importEntries(ctx, p, p.file, opts, { from: progress.done }, progress, save);
      }
    } catch (err) {
      await save(true).catch(() => {});
      // Back to the queue (worker stopping) or already another worker's (lease lost): the retry needs the file
      // and resumes from the saved progress. A job that then runs out of attempts leaves the file to sweepIncoming.
      // Failed or cancelled: nothing will read the file again.
      if (!(err instanceof JobInterrupted)) await removeUpload();
      throw err;
    }
    // A zip refused as a whole gives one result and no total.
    progress.total = Math.max(progress.total, progress.done);
    await save(true);
    await removeUpload();
    const { results: _results, ...summary } = progress;
    await ctx.log(`${summary.done} entries: ${summary.added} added (${summary.faces} faces), ${summary.duplicate} duplicates, ${summary.rejected} rejected`);
    await finishImport(ctx.db as Db, {
      importId: ctx.job.id,
      name: p.name,
      source: 'zip',
      uploaderId: p.uploaderId,
      label: p.label,
      evalSet: null,
      counts: { entries: summary.done, added: summary.added, duplicate: summary.duplicate, rejected: summary.rejected, faces: summary.faces },
    });
    return summary;
  };
}

/**
 * The zip a chunk reads: the job's file when this host has it (the web host, or any host on one data folder),
 * else this process's spool of the upload on shared object storage, copied once.
 */
async function chunkZip(p: ChunkPayload, shared: BlobStore | null): Promise<{ file: string; spooled: boolean }> {
  if (await exists(p.file)) return { file: p.file, spooled: false };
  const spool = `${p.file}.spool-${process.pid}`;
  if (await exists(spool)) return { file: spool, spooled: true };
  if (shared && (await getFile(shared, incomingKey(path.basename(p.file)), spool))) return { file: spool, spooled: true };
  throw new Error(`the uploaded zip is no longer ${shared ? `in ${shared.where ?? 'the object store'}` : `on this host's disk (${p.file})`}`);
}

/**
 * One chunk of an import: entries `from` up to `to`. Its progress holds counts only (its parent sums them);
 * its result is its progress with the entries' results. A retried chunk resumes after its saved count (the
 * results of what it did before are not kept: `omitted` counts them).
 */
export function importChunkHandler(opts: ImportJobOptions = {}) {
  return async function runImportChunk(ctx: JobContext): Promise<ImportProgress> {
    const c = chunkPayloadSchema.parse(ctx.payload);
    const progress = parseProgress(ctx.job.progress);
    progress.total = c.to - c.from;
    progress.omitted = progress.done;
    const save = saver(ctx, progress, true);
    const zip = await chunkZip(c, (opts.shared ?? sharedStore)());
    try {
      await importEntries(ctx, c, zip.file, opts, { from: c.from + progress.done, to: c.to }, progress, save);
    } finally {
      await save(true).catch(() => {});
      if (zip.spooled && ctx.job.parentId && (await ctx.db.job.count({ where: { parentId: ctx.job.parentId, status: 'queued' } })) === 0) {
        await fs.rm(zip.file, { force: true });
      }
    }
    return progress;
  };
}

/** The worker's handlers for zip imports: the job and its chunks. */
export function importHandlers(opts: ImportJobOptions = {}) {
  return { [IMPORT_JOB]: importJobHandler(opts), [IMPORT_CHUNK_JOB]: importChunkHandler(opts) };
}
