// The dataset export as a background job: its options, queuing it, what the Training page and
// `GET /api/exports` show of it, and which finished archive `GET /api/export` streams. No ML imports: the
// web app imports this module; the worker runs lib/export/job.ts.
// Archives live in `<data dir>/exports/<job id>.zip`, or on shared object storage (S3, `sharedStore()`) as
// `exports/<job id>.zip`; the job keeps the newest KEEP_EXPORTS of them. A large export is written in chunks whose
// parts wait beside them until the job has put the archive together (lib/export/parts.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { Db } from '../db';
import { UserError } from '../errors';
import { CLASSES } from '../classes';
import { type JobRow, queueSingleJob } from '../queue/jobs';
import { type BlobStore, exportKey, getStream, sharedStore } from '../storage';

export const EXPORT_JOB = 'export';
/** A chunk of a large export (lib/export/job.ts): some faces' images and rows, written as a part by any idle worker. */
export const EXPORT_CHUNK_JOB = 'export-chunk';
/** Finished archives kept on disk; older ones are removed when a new export finishes. */
export const KEEP_EXPORTS = 3;

/** Split folders of the archive (the Ultralytics / torchvision names) by the split stored on a face. */
export const ARCHIVE_SPLITS = { train: 'train', valid: 'val', test: 'test' } as const;
export const ARCHIVE_SPLIT_NAMES = ['train', 'val', 'test'] as const;

export const exportOptionsSchema = z.object({
  /** `crops`: each face's crop (as training sees it); `photos`: the whole photo, re-encoded upright without metadata. */
  content: z.enum(['crops', 'photos']).default('crops'),
  /** Only faces labelled with these classes. */
  classes: z
    .array(z.enum(CLASSES))
    .min(1, 'choose at least one class')
    .default([...CLASSES])
    .transform((c) => CLASSES.filter((k) => c.includes(k))),
  /** One split only, or all. */
  split: z.enum(['all', ...ARCHIVE_SPLIT_NAMES]).default('all'),
});
export type ExportOptions = z.infer<typeof exportOptionsSchema>;
export type ExportOptionsInput = z.input<typeof exportOptionsSchema>;

export type ExportProgress = { step: 'faces' | 'model' | 'done'; done: number; total: number };
export type ExportResult = { faces: number; bytes: number; model: string | null; modelNote?: string };

export const exportsDir = (dataDir: string) => path.join(dataDir, 'exports');
export const exportFilePath = (dataDir: string, jobId: string) => {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(jobId)) throw new UserError('Invalid export id', 400);
  return path.join(exportsDir(dataDir), `${jobId}.zip`);
};

/**
 * Queues an export (admins only: checked by the caller) unless one is queued or running already: then that
 * one is returned with `alreadyQueued` (its options, not these, apply).
 */
export function queueExport(db: Db, actorId: string | null, options: ExportOptionsInput = {}): Promise<{ job: JobRow; alreadyQueued: boolean }> {
  return queueSingleJob(db, EXPORT_JOB, actorId, { options: exportOptionsSchema.parse(options) });
}

const parse = <T>(s: string | null | undefined): T | null => {
  try {
    return s ? (JSON.parse(s) as T) : null;
  } catch {
    return null;
  }
};

export interface ExportSummary {
  id: string;
  status: string;
  options: ExportOptions | null;
  progress: ExportProgress | null;
  result: ExportResult | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  /** The archive can be downloaded (`GET /api/export?job=<id>`). */
  ready: boolean;
}

/** The archive of export `id`, when it is still there: its size and how to read it. */
async function findArchive(dataDir: string, id: string, shared: BlobStore | null): Promise<{ file: string; size: number; open: () => Promise<Readable> } | null> {
  const file = exportFilePath(dataDir, id);
  if (shared) {
    const st = await shared.stat(exportKey(id));
    if (!st) return null;
    const open = async () => {
      const s = await getStream(shared, exportKey(id));
      if (!s) throw new UserError(`The archive of export ${id} was removed meanwhile; start a new export`, 404);
      return s.body;
    };
    return { file, size: st.size, open };
  }
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st ? { file, size: st.size, open: async () => fs.createReadStream(file) } : null;
}

function summary(j: JobRow, dataDir: string, ready: boolean): ExportSummary {
  const payload = parse<{ options?: ExportOptions }>(j.payload);
  const progress = parse<ExportProgress>(j.progress);
  return {
    id: j.id,
    status: j.status,
    options: payload?.options ?? null,
    progress: progress && typeof progress.total === 'number' ? progress : null,
    result: parse<ExportResult>(j.result),
    error: j.error,
    createdAt: j.createdAt.toISOString(),
    finishedAt: j.finishedAt?.toISOString() ?? null,
    ready,
  };
}

/** The newest exports, newest first. */
export async function listExports(db: Db, dataDir: string, take = 5, shared: BlobStore | null = sharedStore()): Promise<ExportSummary[]> {
  const jobs = await db.job.findMany({ where: { type: EXPORT_JOB }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take });
  return Promise.all(jobs.map(async (j) => summary(j, dataDir, j.status === 'succeeded' && !!(await findArchive(dataDir, j.id, shared)))));
}

/**
 * The archive to download: the export `jobId`, or the newest finished one whose file is still there.
 * UserError 404 when there is no such export (or its file was cleaned up), 409 when it is not finished.
 */
export async function exportArchive(
  db: Db,
  dataDir: string,
  jobId?: string | null,
  shared: BlobStore | null = sharedStore(),
): Promise<{ id: string; file: string; size: number; createdAt: Date; open: () => Promise<Readable> }> {
  if (jobId) {
    const j = await db.job.findUnique({ where: { id: jobId } });
    if (!j || j.type !== EXPORT_JOB) throw new UserError(`No export ${jobId}`, 404);
    if (j.status === 'queued' || j.status === 'running') {
      const p = parse<ExportProgress>(j.progress);
      throw new UserError(`Export ${j.id} is not finished yet (${j.status}${p?.total ? `, ${p.done} of ${p.total} faces` : ''}); try again when it has`, 409);
    }
    if (j.status !== 'succeeded') throw new UserError(`Export ${j.id} ${j.status}${j.error ? `: ${j.error}` : ''}; start a new one`, 409);
    const a = await findArchive(dataDir, j.id, shared);
    if (!a) throw new UserError(`The archive of export ${j.id} was removed (only the last ${KEEP_EXPORTS} are kept); start a new export`, 404);
    return { id: j.id, ...a, createdAt: j.createdAt };
  }
  const done = await db.job.findMany({ where: { type: EXPORT_JOB, status: 'succeeded' }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: KEEP_EXPORTS + 2 });
  for (const j of done) {
    const a = await findArchive(dataDir, j.id, shared);
    if (a) return { id: j.id, ...a, createdAt: j.createdAt };
  }
  const active = await db.job.findFirst({ where: { type: EXPORT_JOB, status: { in: ['queued', 'running'] } } });
  if (active) throw new UserError(`No finished export yet: export ${active.id} is ${active.status}; try again when it has finished`, 409);
  throw new UserError('No export yet: start one on the Training page (Export) or with `npm run cli -- export <file.zip>`', 404);
}
