// Long jobs spread over workers: a parent job splits its work into chunk jobs (Job rows with
// `parentId`), which any idle worker claims like any other job (PostgreSQL: SKIP LOCKED, so two
// workers never take the same chunk). The parent's worker works on its own chunks too while it waits
// (`ctx.runChunk`), so one worker alone does all of them, as before, and two take half each. The
// parent sums the chunks' progress into its own, and ends when every chunk has: succeeded when all
// did, failed when one used up its attempts. A chunk that throws goes back to the queue alone
// (`retryChunk` in the worker) until its maxAttempts; cancelling the parent cancels its chunks
// (`cancel` in jobs.ts). A retried parent (its worker died) finds its chunks and waits for them again.
// A parent splits only in a worker that runs its chunk type (`canRunChunks`); one whose chunks write files
// (the export's parts) waits for cancelled chunks to stop (`chunksStopped`) before it removes them.
import type { Db } from '../db';
import { cancelChunks, type JobRow } from './jobs';

export { cancelChunks };
import { type JobContext, JobInterrupted } from './worker';

/** A chunk's progress: `{ done, total }`, and any other counts it keeps (an import chunk's added, rejected …). */
export type ChunkProgress = { done: number; total: number; [count: string]: number };

/** Whether the job of `ctx` can split into chunks of `type`: it runs in a worker that also runs such chunks. */
export function canRunChunks(ctx: Partial<JobContext>, type: string): boolean {
  return !!ctx.job && !!ctx.runChunk && !!ctx.handles?.(type);
}

/**
 * Waits until no chunk of `parentId` is running (a cancelled one stops at its next checkpoint), at most `ms`:
 * before a failed or cancelled parent removes what its chunks write. Returns whether none is.
 */
export async function chunksStopped(db: Db, parentId: string, ms: number, pollMs = 100): Promise<boolean> {
  const end = Date.now() + ms;
  while ((await db.job.count({ where: { parentId, status: 'running' } })) > 0) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return true;
}

/** Chunks a worker claims at most ahead of others: how many rows one parent creates at most. */
export const MAX_CHUNKS = 2000;

/**
 * Items per chunk: about `aim` chunks (by default 32: enough for several workers to share, about 8 per worker of a
 * handful), each at least `min` items (a chunk's own overhead, a claim and a transaction of its rows, stays small)
 * and at most `max` (its progress moves and a failed one repeats little), more only to stay within MAX_CHUNKS.
 * The defaults suit faces of a features job and entries of a zip import; an export's chunks are larger.
 */
export function chunkSize(items: number, { aim = 32, min = 16, max = 200 }: { aim?: number; min?: number; max?: number } = {}): number {
  return Math.max(Math.min(Math.max(Math.ceil(items / aim), min), max), Math.ceil(items / MAX_CHUNKS));
}

/** Face ids in chunks of about `size`, a photo's faces always in one chunk (its original is read once). `faces` in photo order. */
export function chunkFaces(faces: readonly { id: string; photoId: string }[], size: number): { ids: string[] }[] {
  const out: { ids: string[] }[] = [];
  let cur: string[] = [];
  for (let i = 0; i < faces.length; i++) {
    cur.push(faces[i].id);
    if (cur.length >= size && faces[i + 1]?.photoId !== faces[i].photoId) {
      out.push({ ids: cur });
      cur = [];
    }
  }
  if (cur.length) out.push({ ids: cur });
  return out;
}

/**
 * A parent that splits more than one step into chunks names each (`step`): its chunks' payloads start
 * with it, so each step finds its own chunks (and a retried parent the ones a step queued before).
 */
function ofStep(parentId: string, step?: string) {
  return step ? { parentId, payload: { startsWith: `{"step":${JSON.stringify(step)},` } } : { parentId };
}

/** The chunks of `parent` (of its `step`), queued once (a retried parent finds the ones it queued before). */
export async function queueChunks(
  db: Db,
  parent: Pick<JobRow, 'id' | 'createdById'>,
  type: string,
  payloads: unknown[],
  opts: { maxAttempts?: number; size?: (payload: unknown) => number; step?: string } = {},
): Promise<number> {
  if (payloads.length > MAX_CHUNKS) throw new Error(`${payloads.length} chunks: at most ${MAX_CHUNKS}`);
  const existing = await db.job.count({ where: ofStep(parent.id, opts.step) });
  if (existing > 0) return existing;
  const now = Date.now();
  for (let i = 0; i < payloads.length; i += 500) {
    await db.job.createMany({
      // Ascending createdAt keeps the claim order the chunk order.
      data: payloads.slice(i, i + 500).map((p, k) => ({
        type,
        payload: JSON.stringify(opts.step ? { step: opts.step, ...(p as object) } : p),
        parentId: parent.id,
        createdById: parent.createdById,
        maxAttempts: opts.maxAttempts ?? 3,
        // Its share of the parent's total from the start, so that the sum is right before it runs.
        progress: JSON.stringify({ done: 0, total: opts.size?.(p) ?? 0 }),
        createdAt: new Date(now + i + k),
      })),
    });
  }
  return payloads.length;
}

export type ChunkState = { chunks: number; queued: number; running: number; succeeded: number; failed: number; cancelled: number; progress: ChunkProgress; errors: string[] };

/** The chunks of a parent (of its `step`) by status, with their progress summed field by field (the numbers of each chunk's progress). */
export async function chunkState(db: Db, parentId: string, step?: string): Promise<ChunkState> {
  const rows = await db.job.findMany({ where: ofStep(parentId, step), select: { status: true, progress: true, error: true } });
  const s: ChunkState = { chunks: rows.length, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, progress: { done: 0, total: 0 }, errors: [] };
  for (const r of rows) {
    if (r.status in s) (s as unknown as Record<string, number>)[r.status]++;
    if (r.status === 'failed' && r.error) s.errors.push(r.error);
    try {
      const p = JSON.parse(r.progress) as Record<string, unknown>;
      for (const [k, v] of Object.entries(p ?? {})) if (typeof v === 'number') s.progress[k] = (s.progress[k] ?? 0) + v;
    } catch {
      // no progress yet
    }
  }
  return s;
}

/**
 * Runs `payloads` as chunk jobs of `type` under the current job and waits for them all, working on
 * them itself meanwhile. `onProgress` gets the chunks' progress summed (`size` gives a chunk's total
 * before it runs). Returns the chunks' results, in chunk order.
 */
export async function runChunks<R>(
  ctx: JobContext,
  type: string,
  payloads: unknown[],
  opts: { onProgress?: (p: ChunkProgress) => Promise<void>; size?: (payload: unknown) => number; pollMs?: number; maxAttempts?: number; step?: string } = {},
): Promise<R[]> {
  const { db } = ctx;
  const parentId = ctx.job.id;
  await queueChunks(db, ctx.job, type, payloads, opts);
  try {
    for (;;) {
      const ran = ctx.runChunk ? await ctx.runChunk(parentId, [type]) : false;
      // After the chunk: a chunk cancelled with its parent must end the parent as cancelled, not failed.
      await ctx.checkpoint();
      const s = await chunkState(db, parentId, opts.step);
      await opts.onProgress?.(s.progress);
      if (s.queued + s.running === 0) {
        if (s.failed || s.cancelled) {
          throw new Error(`${s.failed + s.cancelled} of ${s.chunks} chunks did not finish${s.errors.length ? `: ${s.errors[0]}` : ''}`);
        }
        const done = await db.job.findMany({ where: ofStep(parentId, opts.step), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { result: true } });
        return done.map((d) => (d.result ? (JSON.parse(d.result) as R) : (null as R)));
      }
      if (!ran) await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
    }
  } catch (err) {
    // Interrupted (shutting down, lease lost): the chunks go on; the parent's next attempt waits for them.
    // Cancelled or failed: so are the chunks still queued or running.
    if (!(err instanceof JobInterrupted)) await cancelChunks(db, parentId);
    throw err;
  }
}
