// Model folders no run points to. `saveModel` renames `<modelsDir>/<runId>/` into place, then the
// train job records it (Run.modelDir) in a transaction; a worker killed in between leaves a whole
// model folder whose run stays `running` until the job's retry marks it failed (or the job gives
// up). `findModelOrphans` lists such folders, and what a killed `saveModel` left in its temporary
// folders, each with why it is orphaned; `removeModelOrphans` removes those that nothing can
// still record. The database decides where it can: a folder whose run failed or was cancelled, or
// whose job ended, goes at once; one whose job may still record it (the lease still held: not
// listed at all; the worker gone but the job not yet retried: listed, kept) stays. Only a folder
// the database knows nothing about (no such run, or a run without a job) is decided by age.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db';
import { lastWritten, RUN_ID, TEMP_PREFIX } from './registry';
import { removeRemoteModel } from './remote';

export type ModelOrphan = {
  /** The folder. */
  path: string;
  /** The run it was written for (its name), null when the name is not a run id. */
  run: string | null;
  /** Total size of its files. */
  bytes: number;
  /** Its newest write. */
  modified: Date;
  /** Why no run owns it, in words. */
  why: string;
  /**
   * `dead`: its run failed or was cancelled, or its job ended: nothing will record it, removable now.
   * `unknown`: a temporary folder, or one this database has no job for: removable once old.
   * `pending`: its job may still be retried (which marks the run failed): kept for now.
   */
  state: 'dead' | 'unknown' | 'pending';
  removed: boolean;
};

function folderBytes(dir: string): number {
  let n = 0;
  try {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      n += e.isDirectory() ? folderBytes(p) : (fs.statSync(p, { throwIfNoEntry: false })?.size ?? 0);
    }
  } catch {
    // removed meanwhile
  }
  return n;
}

/** Whether a run's recorded modelDir (absolute, or relative to the models folder) is `full`. */
async function pointedTo(db: Db, modelsDir: string, name: string, full: string): Promise<boolean> {
  const rows = await db.run.findMany({ where: { modelDir: { contains: name } }, select: { modelDir: true } });
  return rows.some((r) => r.modelDir && path.resolve(modelsDir, r.modelDir) === full);
}

/**
 * The folders under `modelsDir` that no run owns, with why. A folder is owned when a run's
 * modelDir points to it, or when it is `<modelsDir>/<id>` of a succeeded run (a run without a
 * recorded folder is served from there). A folder whose run's job still holds its lease is being
 * recorded right now and is not listed. Files and names that are not run ids are left alone.
 */
export async function findModelOrphans(db: Db, modelsDir: string, now = Date.now()): Promise<ModelOrphan[]> {
  const root = path.resolve(modelsDir);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: ModelOrphan[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isDirectory()) continue;
    const full = path.join(root, e.name);
    const found = (run: string | null, state: ModelOrphan['state'], why: string) =>
      out.push({ path: full, run, bytes: folderBytes(full), modified: new Date(lastWritten(full)), why, state, removed: false });
    if (e.name.startsWith(TEMP_PREFIX)) {
      found(null, 'unknown', 'a temporary folder: a model being written, or one a killed process left half-written');
      continue;
    }
    if (!RUN_ID.test(e.name)) continue;
    if (await pointedTo(db, root, e.name, full)) continue;
    const run = await db.run.findUnique({
      where: { id: e.name },
      select: { status: true, jobId: true, job: { select: { status: true, leaseUntil: true } } },
    });
    if (!run) {
      found(e.name, 'unknown', `no run ${e.name} in this database (copied in by hand, or written for another database?)`);
    } else if (run.status === 'succeeded') {
      continue;
    } else if (run.status !== 'running') {
      found(e.name, 'dead', `run ${e.name} ${run.status} before its model was recorded (its worker stopped between saving the model and recording the run); no run points to this folder`);
    } else if (!run.job) {
      found(e.name, 'unknown', `run ${e.name} is marked running but has no job (its job was deleted, or a script is writing it)`);
    } else if (run.job.status === 'running' && run.job.leaseUntil && run.job.leaseUntil.getTime() > now) {
      continue; // its worker is recording it right now
    } else if (run.job.status === 'running' || run.job.status === 'queued') {
      const when = run.job.status === 'queued' ? 'the job is queued again' : `job ${run.jobId}'s lease ran out at ${run.job.leaseUntil?.toISOString() ?? '?'}`;
      found(e.name, 'pending', `run ${e.name} was not recorded: its worker stopped after saving the model (${when}); the job's retry marks the run failed, then this folder can go`);
    } else {
      found(e.name, 'dead', `run ${e.name} was never recorded: its job ${run.jobId} ${run.job.status} after the model was saved; no run points to this folder`);
    }
  }
  return out;
}

/**
 * Removes the `dead` folders of `found`, and with `unknownMinAgeMs` the `unknown` ones untouched
 * for that long (sets `removed`). Returns how many went.
 */
export function removeModelOrphans(found: ModelOrphan[], opts: { unknownMinAgeMs?: number; now?: number } = {}): number {
  const now = opts.now ?? Date.now();
  let n = 0;
  for (const o of found) {
    const old = opts.unknownMinAgeMs !== undefined && now - lastWritten(o.path) >= opts.unknownMinAgeMs;
    if (!(o.state === 'dead' || (o.state === 'unknown' && old))) continue;
    try {
      fs.rmSync(o.path, { recursive: true, force: true });
    } catch {
      continue; // its own job removing it at the same moment
    }
    // A dead run's copy on shared object storage (S3) goes too (in the background).
    if (o.run && o.state === 'dead') void removeRemoteModel(o.run).catch(() => {});
    o.removed = true;
    n++;
  }
  return n;
}

/**
 * The worker's sweep: removes the folders whose run failed or was cancelled, or whose job ended,
 * without a run pointing to them (never one the database cannot vouch for). Returns them.
 */
export async function sweepModelOrphans(db: Db, modelsDir: string): Promise<ModelOrphan[]> {
  const found = await findModelOrphans(db, modelsDir);
  removeModelOrphans(found);
  return found.filter((o) => o.removed);
}
