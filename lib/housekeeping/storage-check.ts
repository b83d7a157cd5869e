// Housekeeping: what `storage check` reports and `--fix` removes, and what the worker sweeps.
// Photo rows against the stored files (files without rows, rows without files), model folders no
// run owns (lib/models/orphans.ts) and leftover uploads in incoming/ (lib/import/incoming.ts).
import type { Db } from '../db';
import { type BlobStore, LocalStore, photoKeys, shaOfKey } from '../storage';
import { findModelOrphans, type ModelOrphan, removeModelOrphans } from '../models/orphans';
import { findIncomingLeftovers, type IncomingLeftover, removeIncomingLeftovers } from '../import/incoming';

export type StorageReport = {
  photos: number;
  missing: string[];
  orphans: string[];
  temps: string[];
  /** Model folders no run owns (with `modelsDir`). */
  models: ModelOrphan[];
  /** Files in the incoming folder no live import job reads (with `incomingDir`). */
  incoming: IncomingLeftover[];
  /** Everything `fix` removed: store files, model folders, incoming files. */
  removed: number;
};

/** Files younger than this may belong to an upload still in flight: `fix` leaves them. */
export const STORAGE_FIX_MIN_AGE_MS = 10 * 60_000;

/**
 * Every photo row must have its original, display copy, thumbnail and one crop per face; every
 * stored file must belong to a photo row; no temporary file (a write cut short by a killed
 * process) should be left. With `fix`, orphan and temporary files older than 10 minutes are
 * removed (missing files cannot be recreated and are only reported).
 * With `modelsDir`, also model folders no run owns (`findModelOrphans`; `fix` removes those whose
 * run or job ended at once, those the database knows nothing about once 10 minutes old); with
 * `incomingDir`, files there no queued or running import job reads (`fix`: once 10 minutes old).
 */
export async function checkStorage(
  db: Db,
  store: BlobStore,
  opts: { fix?: boolean; modelsDir?: string; incomingDir?: string } = {},
): Promise<StorageReport> {
  const missing: string[] = [];
  const expected = new Set<string>();
  let photos = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await db.photo.findMany({
      take: 500,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
      orderBy: { id: 'asc' },
      select: { id: true, sha256: true, faces: { select: { index: true } } },
    });
    if (page.length === 0) break;
    for (const p of page) {
      photos++;
      const keys = [...photoKeys(p.sha256, 0), ...p.faces.map((f) => photoKeys(p.sha256, f.index + 1).at(-1)!)];
      for (const k of keys) {
        expected.add(k);
        if (!(await store.stat(k))) missing.push(k);
      }
    }
    cursor = page[page.length - 1].id;
  }
  const orphans: string[] = [];
  for (const prefix of ['objects/', 'derived/']) {
    for await (const key of store.list(prefix)) if (!expected.has(key) || !shaOfKey(key)) orphans.push(key);
  }
  const temps: { name: string; modified: Date }[] = [];
  if (store.listTemp) for await (const t of store.listTemp()) temps.push(t);
  const now = Date.now();
  const models = opts.modelsDir ? await findModelOrphans(db, opts.modelsDir, now) : [];
  // On shared object storage (S3) uploads wait there too (`incoming/`).
  const shared = store instanceof LocalStore ? null : store;
  const incoming = opts.incomingDir ? await findIncomingLeftovers(db, opts.incomingDir, now, shared) : [];
  let removed = 0;
  if (opts.fix) {
    removed += removeModelOrphans(models, { unknownMinAgeMs: STORAGE_FIX_MIN_AGE_MS, now });
    removed += await removeIncomingLeftovers(incoming, STORAGE_FIX_MIN_AGE_MS, now, shared);
    // Files are written before their row, each first to a temporary file: young ones may
    // belong to an ingest still in flight.
    const cutoff = Date.now() - STORAGE_FIX_MIN_AGE_MS;
    for (const k of orphans) {
      const st = await store.stat(k);
      if (st && st.modified.getTime() > cutoff) continue;
      await store.delete(k);
      removed++;
    }
    for (const t of temps) {
      if (t.modified.getTime() > cutoff || !store.removeTemp) continue;
      await store.removeTemp(t.name);
      removed++;
    }
  }
  return { photos, missing, orphans, temps: temps.map((t) => t.name), models, incoming, removed };
}
