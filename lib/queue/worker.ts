// The worker loop: claim a job, run its handler with a context (progress, log, cancel
// check), renew the lease in the background, and record the outcome. Stops cleanly:
// `stop()` lets the running job reach its next check, gives it back to the queue, and
// resolves once the loop has ended.
import os from 'node:os';
import crypto from 'node:crypto';
import type { Db } from '../db';
import { pollLoop, type PollLoop } from './poll';
import {
  appendLog,
  claim,
  complete,
  DEFAULT_LEASE_MS,
  fail,
  heartbeat,
  type JobRow,
  markCancelled,
  release,
  retryChunk,
  setProgress,
} from './jobs';

/** Thrown by `ctx.checkpoint()` when the job was cancelled: the handler stops there. */
export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}
/** Thrown by `ctx.checkpoint()` when the worker is shutting down or lost its lease. */
export class JobInterrupted extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'JobInterrupted';
  }
}

export type JobContext = {
  job: JobRow;
  payload: unknown;
  workerId: string;
  db: Db;
  /** Replaces the job's progress object (the UI polls it). */
  progress: (p: unknown) => Promise<void>;
  log: (message: string, level?: 'info' | 'warn' | 'error') => Promise<void>;
  /** Call between units of work (e.g. epochs): throws JobCancelled / JobInterrupted. */
  checkpoint: () => Promise<void>;
  /**
   * Claims one queued chunk of `parentId` (lib/queue/chunks.ts) and runs it in this worker, as its
   * own job; false when none is queued. How a parent's worker works on its chunks while it waits.
   */
  runChunk?: (parentId: string, types: string[]) => Promise<boolean>;
  /** Whether this worker has a handler for jobs of `type` (a parent splits into chunks only when it does). */
  handles?: (type: string) => boolean;
};

export type JobHandler = (ctx: JobContext) => Promise<unknown>;

export type WorkerOptions = {
  handlers: Record<string, JobHandler>;
  workerId?: string;
  leaseMs?: number;
  pollMs?: number;
  log?: (line: string) => void;
};

export function defaultWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
}

export class Worker {
  readonly id: string;
  private stopping = false;
  private poller: PollLoop | null = null;
  private loop: Promise<void> | null = null;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly say: (line: string) => void;

  constructor(
    private readonly db: Db,
    private readonly opts: WorkerOptions,
  ) {
    this.id = opts.workerId ?? defaultWorkerId();
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.pollMs = opts.pollMs ?? 1000;
    this.say = opts.log ?? ((l) => console.log(l));
  }

  start(): Promise<void> {
    if (!this.loop) {
      this.say(`worker ${this.id}: waiting for jobs (${Object.keys(this.opts.handlers).join(', ')})`);
      this.poller = pollLoop(() => this.runOnce(), { pollMs: this.pollMs, onError: (err) => this.say(`worker ${this.id}: ${err.message}`) });
      this.loop = this.poller.done.then(() => this.say(`worker ${this.id}: stopped`));
    }
    return this.loop;
  }

  /** Asks the loop to end after the current job's next checkpoint; resolves when it has. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.poller?.stop();
    await this.loop;
  }

  /** Processes at most one job; returns whether there was one. */
  async runOnce(): Promise<boolean> {
    const job = await claim(this.db, this.id, { types: Object.keys(this.opts.handlers), leaseMs: this.leaseMs });
    if (!job) return false;
    await this.process(job);
    return true;
  }

  private async process(job: JobRow): Promise<void> {
    const { db, id } = this;
    let lost = false;
    let cancelRequested = job.cancelRequested;
    const beat = setInterval(
      () => {
        heartbeat(db, job.id, id, this.leaseMs)
          .then((h) => {
            if (!h.held) lost = true;
            cancelRequested ||= h.cancelRequested;
          })
          .catch(() => {});
      },
      Math.max(200, Math.floor(this.leaseMs / 3)),
    );
    const ctx: JobContext = {
      job,
      payload: JSON.parse(job.payload || '{}'),
      workerId: id,
      db,
      progress: async (p) => {
        if (!(await setProgress(db, job.id, id, p))) lost = true;
      },
      log: (message, level = 'info') => appendLog(db, job.id, message, level),
      checkpoint: async () => {
        const h = await heartbeat(db, job.id, id, this.leaseMs);
        if (!h.held || lost) throw new JobInterrupted('lease lost');
        if (h.cancelRequested || cancelRequested) throw new JobCancelled();
        if (this.stopping) throw new JobInterrupted('worker stopping');
      },
      runChunk: async (parentId, types) => {
        if (this.stopping) return false;
        const missing = types.filter((t) => !(t in this.opts.handlers));
        if (missing.length) throw new Error(`this worker has no handler for the chunks (${missing.join(', ')})`);
        const chunk = await claim(db, id, { types, leaseMs: this.leaseMs, parentId });
        if (!chunk) return false;
        await this.process(chunk);
        return true;
      },
      handles: (type) => type in this.opts.handlers,
    };
    this.say(`worker ${id}: job ${job.id} (${job.type}) attempt ${job.attempts}/${job.maxAttempts}`);
    await appendLog(db, job.id, `started by worker ${id} (attempt ${job.attempts}/${job.maxAttempts})`);
    try {
      const handler = this.opts.handlers[job.type];
      if (!handler) throw new Error(`no handler for job type "${job.type}"`);
      const result = await handler(ctx);
      if (await complete(db, job.id, id, result)) await appendLog(db, job.id, 'succeeded');
    } catch (err) {
      if (err instanceof JobCancelled) {
        await markCancelled(db, job.id, id);
        await appendLog(db, job.id, 'cancelled', 'warn');
      } else if (err instanceof JobInterrupted) {
        if (err.message === 'worker stopping' && (await release(db, job.id, id))) {
          await appendLog(db, job.id, 'worker stopped; job given back to the queue', 'warn');
        }
        // lease lost: another worker (or the expiry sweep) owns the job now; record nothing.
      } else {
        const msg = err instanceof Error ? err.message : String(err);
        if (await retryChunk(db, job, id, msg)) {
          await appendLog(db, job.id, `failed: ${msg}; queued again (attempt ${job.attempts}/${job.maxAttempts} used)`, 'warn');
        } else if (await fail(db, job.id, id, msg)) await appendLog(db, job.id, `failed: ${msg}`, 'error');
        this.say(`worker ${id}: job ${job.id} failed: ${err instanceof Error ? (err.stack ?? msg) : msg}`);
      }
    } finally {
      clearInterval(beat);
    }
  }
}
