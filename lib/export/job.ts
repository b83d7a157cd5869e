// The `export` job (run by the worker): writes `<data dir>/exports/<job id>.zip` with `exportDataset`, storing
// progress { step, done, total } for the Training page at most once a second, then removes all but the newest
// KEEP_EXPORTS archives. A retried job starts over (the archive is written whole or not at all).
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config';
import type { JobContext } from '../queue/worker';
import { type BlobStore, exportKey, LocalStore, putFile, sharedStore } from '../storage';
import type { S3Store } from '../storage';
import { exportDataset } from './export';
import { EXPORT_JOB, exportFilePath, exportOptionsSchema, type ExportResult, exportsDir, KEEP_EXPORTS } from './queue';

export { EXPORT_JOB };

const SAVE_EVERY_MS = 1000;

/**
 * Removes all but the newest `keep` archives, and temporary files of exports that were cut short: those not
 * written to for `partialIdleMs` (a worker's lease), so the temporary file of an export that another worker is
 * writing right now stays.
 */
export function cleanupExports(dir: string, keep = KEEP_EXPORTS, partialIdleMs = config().workerLeaseMs): string[] {
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  const entries = fs.readdirSync(dir).map((name) => ({ name, mtime: fs.statSync(path.join(dir, name)).mtimeMs }));
  const idleSince = Date.now() - partialIdleMs;
  for (const e of entries.filter((e) => e.name.startsWith('.') && e.name.includes('.partial-') && e.mtime < idleSince)) {
    fs.rmSync(path.join(dir, e.name), { force: true });
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
 * On shared object storage: removes all but the newest `keep` archives under `exports/` (by their
 * modification time). Returns the removed job ids' file names.
 */
export async function cleanupSharedExports(shared: BlobStore, keep = KEEP_EXPORTS): Promise<string[]> {
  const found: { key: string; mtime: number }[] = [];
  const withInfo = (shared as Partial<S3Store>).listWithInfo?.bind(shared);
  if (withInfo) for await (const o of withInfo('exports/')) found.push({ key: o.key, mtime: o.modified.getTime() });
  else for await (const key of shared.list('exports/')) found.push({ key, mtime: (await shared.stat(key))?.modified.getTime() ?? 0 });
  const removed: string[] = [];
  for (const e of found.filter((e) => e.key.endsWith('.zip')).sort((a, b) => b.mtime - a.mtime).slice(keep)) {
    await shared.delete(e.key);
    removed.push(e.key.slice('exports/'.length));
  }
  return removed;
}

export function exportJobHandler(opts: { store?: BlobStore; dataDir?: () => string; modelsDir?: () => string } = {}) {
  return async function runExportJob(ctx: JobContext): Promise<ExportResult> {
    const payload = (ctx.payload ?? {}) as { options?: unknown };
    const options = exportOptionsSchema.parse(payload.options ?? {});
    const dataDir = opts.dataDir?.() ?? config().dataDir;
    const dir = exportsDir(dataDir);
    fs.mkdirSync(dir, { recursive: true });
    // Temporary files of exports that died (idle for a lease).
    cleanupExports(dir, Number.MAX_SAFE_INTEGER);
    let saved = 0;
    const t0 = Date.now();
    const r = await exportDataset(ctx.db, exportFilePath(dataDir, ctx.job.id), options, {
      store: opts.store,
      modelsDir: opts.modelsDir?.(),
      onProgress: async (p) => {
        if (p.step === 'faces' && p.done > 0 && p.done < p.total && Date.now() - saved < SAVE_EVERY_MS) return;
        saved = Date.now();
        await ctx.progress(p);
        // Cancel or a lost lease stops the export, but not once its archive is in place ('done').
        if (p.step !== 'done') await ctx.checkpoint();
      },
    });
    // Shared object storage (S3): the archive is written to a local file as always (whole or not at all), then
    // uploaded in parts and removed here; downloads stream it from the store.
    const blobs = opts.store ?? sharedStore();
    const shared = blobs && !(blobs instanceof LocalStore) ? blobs : null;
    let removed: string[];
    if (shared) {
      const file = exportFilePath(dataDir, ctx.job.id);
      try {
        await putFile(shared, exportKey(ctx.job.id), file);
      } finally {
        fs.rmSync(file, { force: true });
      }
      removed = await cleanupSharedExports(shared);
    } else {
      removed = cleanupExports(dir).filter((n) => n.endsWith('.zip'));
    }
    await ctx.log(
      `exported ${r.faces} faces (${(r.bytes / 1024 / 1024).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s` +
        `${r.model ? `, model of run ${r.model}` : ''}${r.modelNote ? ` (${r.modelNote})` : ''}${removed.length ? `; removed ${removed.length} older archive(s)` : ''}`,
    );
    return { faces: r.faces, bytes: r.bytes, model: r.model, ...(r.modelNote ? { modelNote: r.modelNote } : {}) };
  };
}
