// The `import` job (run by the worker): imports a zip that an upload streamed to disk, entry by
// entry through the one ingest pipeline, with progress { done, total, added, … } that the Collect
// page polls. A retried job (its worker died or stopped) resumes after the entries its saved
// progress counts; anything ingested after the last save comes back as a duplicate of itself
// (sha256), never twice. The zip is deleted when the job succeeds, fails or is cancelled.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db';
import { JobInterrupted, type JobContext } from '../queue/worker';
import { importZipFile, zipLimitsFromConfig } from './folder';
import { importPayloadSchema, type ImportProgress, parseProgress, tally } from './progress';
import { defaultIngestOptions, type IngestOptions } from '../dataset/ingest';
import type { ZipLimits } from './zip';
import { finishImport } from './finish';
import { type BlobStore, getFile, incomingKey, sharedStore } from '../storage';

export { IMPORT_JOB } from './progress';

/** Progress is written at most this often (ms) while entries go through, and always at the end. */
const SAVE_EVERY_MS = 1000;

export function importJobHandler(opts: { ingest?: () => IngestOptions; zipLimits?: () => ZipLimits; shared?: () => BlobStore | null } = {}) {
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
    const skip = progress.done;
    if (skip > 0) await ctx.log(`resuming after ${skip} entries`);
    let saved = 0;
    const save = async (force = false) => {
      if (!force && Date.now() - saved < SAVE_EVERY_MS) return;
      saved = Date.now();
      await ctx.progress(progress);
    };
    try {
      await fs.access(p.file).catch(async () => {
        if (shared && key && (await getFile(shared, key, p.file))) return;
        throw new Error(`the uploaded zip is no longer ${shared ? `in ${shared.where ?? 'the object store'}` : 'on disk'}; upload it again`);
      });
      await importZipFile(ctx.db as Db, (opts.ingest ?? defaultIngestOptions)(), p.file, p.name, {
        uploaderId: p.uploaderId,
        source: 'upload',
        label: p.label,
        zipLimits: (opts.zipLimits ?? zipLimitsFromConfig)(),
        skipEntries: skip,
        onTotal: async (n) => {
          progress.total = n;
          await save(true);
        },
        onResult: async (r) => {
          tally(progress, r);
          await save();
          await ctx.checkpoint();
        },
      });
    } catch (err) {
      if (err instanceof JobInterrupted) {
        // Back to the queue (worker stopping) or already another worker's (lease lost): the retry
        // needs the file and resumes from the saved progress. A job that then runs out of attempts
        // leaves the file to sweepIncoming.
        await save(true).catch(() => {});
      } else {
        // Failed or cancelled: nothing will read the file again.
        await save(true).catch(() => {});
        await removeUpload();
      }
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
