// Background zip imports: the web app queues an `import` job for a zip it streamed to disk
// (lib/import/incoming.ts); the worker runs lib/import/job.ts. This module holds what
// both sides share and what the Collect page reads. No ML imports.
import { z } from 'zod';
import { type Actor, hasRole } from '../auth/roles';
import { UserError } from '../errors';
import type { Db } from '../db';
import { enqueue, type JobStatus } from '../queue/jobs';
import { LABELS } from '../classes';
import type { IngestResult } from '../dataset/ingest';

export const IMPORT_JOB = 'import';

/** At most this many per-entry results are kept with a job (rejections and duplicates first). */
export const MAX_IMPORT_RESULTS = 300;

export const importPayloadSchema = z.object({
  /** The zip on the worker's disk (under `<dataDir>/incoming`). */
  file: z.string().min(1),
  /** The name the user knows it by. */
  name: z.string().min(1).max(200),
  label: z.enum(LABELS).nullable().default(null),
  uploaderId: z.string().min(1),
});
export type ImportPayload = z.infer<typeof importPayloadSchema>;

export type ImportProgress = {
  /** Entries with a result so far, of `total` (0 until the archive's directory was read). */
  done: number;
  total: number;
  added: number;
  duplicate: number;
  rejected: number;
  faces: number;
  /** Per-entry results, at most MAX_IMPORT_RESULTS; `omitted` counts those not kept. */
  results: IngestResult[];
  omitted: number;
};

export const emptyProgress = (): ImportProgress => ({ done: 0, total: 0, added: 0, duplicate: 0, rejected: 0, faces: 0, results: [], omitted: 0 });

/** Counts one entry's result into the progress; keeps rejections and duplicates over additions once the list is full. */
export function tally(p: ImportProgress, r: IngestResult): void {
  p.done++;
  p[r.status]++;
  if (r.status === 'added') p.faces += r.faces;
  keepResult(p, r);
}

/** Keeps `r` in the progress's result list, rejections and duplicates over additions once the list is full. */
function keepResult(p: ImportProgress, r: IngestResult): void {
  if (p.results.length < MAX_IMPORT_RESULTS) {
    p.results.push(r);
    return;
  }
  const added = r.status === 'added' ? -1 : p.results.findIndex((x) => x.status === 'added');
  if (added >= 0) {
    p.results.splice(added, 1);
    p.results.push(r);
  }
  p.omitted++;
}

/** Adds a chunk's progress (of a chunked import) to the whole's: its counts, and its results as `tally` keeps them. */
export function addProgress(p: ImportProgress, chunk: ImportProgress): void {
  for (const k of ['done', 'total', 'added', 'duplicate', 'rejected', 'faces', 'omitted'] as const) p[k] += chunk[k];
  for (const r of chunk.results) keepResult(p, r);
}

export function parseProgress(raw: string | null | undefined): ImportProgress {
  try {
    const p = JSON.parse(raw || '{}') as Partial<ImportProgress>;
    if (typeof p.done !== 'number') return emptyProgress();
    return { ...emptyProgress(), ...p, results: Array.isArray(p.results) ? p.results : [] };
  } catch {
    return emptyProgress();
  }
}

export async function queueZipImport(db: Db, payload: ImportPayload): Promise<{ jobId: string }> {
  const job = await enqueue(db, { type: IMPORT_JOB, payload: importPayloadSchema.parse(payload), createdById: payload.uploaderId, maxAttempts: 3 });
  return { jobId: job.id };
}

export type ImportView = {
  id: string;
  name: string;
  label: string | null;
  status: JobStatus;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  progress: ImportProgress;
};

type JobLike = { id: string; payload: string; status: string; error: string | null; progress: string; createdAt: Date; finishedAt: Date | null };

function view(j: JobLike, withResults: boolean): ImportView {
  let name = 'upload.zip';
  let label: string | null = null;
  try {
    const p = JSON.parse(j.payload) as { name?: string; label?: string | null };
    name = p.name ?? name;
    label = p.label ?? null;
  } catch {
    // keep the defaults
  }
  const progress = parseProgress(j.progress);
  if (!withResults) progress.results = [];
  return { id: j.id, name, label, status: j.status as JobStatus, error: j.error, createdAt: j.createdAt.toISOString(), finishedAt: j.finishedAt?.toISOString() ?? null, progress };
}

/** One import with its results: only its uploader or an admin may see it (others get 404). */
export async function getImport(db: Db, actor: Actor, jobId: string): Promise<ImportView> {
  const j = await db.job.findUnique({ where: { id: jobId } });
  if (!j || j.type !== IMPORT_JOB || (j.createdById !== actor.id && !hasRole(actor.role, 'admin'))) throw new UserError('No such import', 404);
  return view(j, true);
}

/** The actor's recent imports, newest first, without per-entry results. */
export async function recentImports(db: Db, actor: Actor, take = 10): Promise<ImportView[]> {
  const jobs = await db.job.findMany({ where: { type: IMPORT_JOB, createdById: actor.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take });
  return jobs.map((j) => view(j, false));
}
