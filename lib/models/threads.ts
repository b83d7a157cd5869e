// Model work off the calling thread: a pool of worker threads (node:worker_threads), each loading its
// own TF.js (one WebAssembly thread each), so the web process's event loop never waits on detection and
// a worker uses every core for features. A thread runs a module (`entry`) that answers requests with
// `serveThread`; `ThreadPool.run` sends one to the least busy thread (started on first need, at most
// `size`) and resolves with its answer. MASKLAB_WORKER_THREADS sets the size (default: the core count;
// 0: callers run the work on their own thread).
import path from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';
import { UserError } from '../errors';

type Request = { id: number; op: string; args: unknown };
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string; status?: number };
type Thread = { worker: Worker; busy: Set<number>; answered: boolean };

/**
 * The pool's threads cannot start here (their entry failed to load): callers run the work on their own thread
 * instead (`runOr`).
 */
export class ThreadUnavailable extends Error {}

let warned = false;

/** Where the threads start: resolved from the project root (the working directory), as `projectRequire` does. */
const ENTRY = () => path.join(process.cwd(), 'lib', 'models', 'thread-entry.mjs');

export class ThreadPool {
  private readonly threads: Thread[] = [];
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private next = 1;
  private broken: Error | null = null;

  /**
   * `entry`: the absolute path of the thread's module (it calls `serveThread`). `name`: what its threads do;
   * a named pool logs each thread's first answer (`masklab: face analysis thread 1 of 2 ready`).
   */
  constructor(
    private readonly entry: string,
    readonly size: number,
    private readonly name?: string,
  ) {
    if (!(size >= 1)) throw new Error(`a thread pool needs at least one thread (got ${size})`);
  }

  private spawn(): Thread {
    const worker = new Worker(ENTRY(), { workerData: { entry: this.entry } });
    const t: Thread = { worker, busy: new Set(), answered: false };
    worker.unref(); // an idle pool never keeps the process alive
    worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      // On stderr: a CLI's stdout is its answer (`--json`).
      if (!t.answered && this.name) console.error(`masklab: ${this.name} thread ${this.threads.indexOf(t) + 1} of ${this.size} ready`);
      t.answered = true;
      t.busy.delete(m.id);
      if (t.busy.size === 0) worker.unref();
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      // A UserError keeps its status (400, 409, 413) across the thread boundary.
      else p.reject(m.status ? new UserError(m.error, m.status) : new Error(m.error));
    });
    const fail = (err: Error) => {
      // A thread that died before it ever answered could not start: the pool stops trying (ThreadUnavailable).
      if (!t.answered && !this.broken) this.broken = err;
      // A thread that died takes its requests with it; the next request starts a new one.
      const i = this.threads.indexOf(t);
      if (i >= 0) this.threads.splice(i, 1);
      for (const id of t.busy) {
        this.pending.get(id)?.reject(t.answered ? err : new ThreadUnavailable(`model thread could not start: ${err.message}`));
        this.pending.delete(id);
      }
      t.busy.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`model thread exited (${code})`)));
    this.threads.push(t);
    return t;
  }

  /** Runs `op` with `args` on a thread (structured clone; `transfer` moves buffers instead of copying). */
  run<T>(op: string, args: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.broken) return Promise.reject(new ThreadUnavailable(`model thread could not start: ${this.broken.message}`));
    let t = this.threads.reduce<Thread | null>((best, x) => (!best || x.busy.size < best.busy.size ? x : best), null);
    if (!t || (t.busy.size > 0 && this.threads.length < this.size)) t = this.spawn();
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      t.busy.add(id);
      t.worker.ref();
      t.worker.postMessage({ id, op, args } satisfies Request, transfer);
    });
  }

  /** `run`, or `local()` on the calling thread when the pool's threads cannot start here. */
  async runOr<T>(op: string, args: unknown, transfer: ArrayBuffer[], local: () => Promise<T>): Promise<T> {
    try {
      return await this.run<T>(op, args, transfer);
    } catch (err) {
      if (!(err instanceof ThreadUnavailable)) throw err;
      if (!warned) console.error(`masklab: ${err.message}; model work runs on the calling thread`);
      warned = true;
      return local();
    }
  }

  /** Threads started so far. */
  get started(): number {
    return this.threads.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }
}

/** In a thread's module: answers the pool's requests with `handlers[op](args)`. */
export function serveThread(handlers: Record<string, (args: never) => Promise<unknown>>): void {
  if (!parentPort) throw new Error('serveThread runs in a worker thread');
  const port = parentPort;
  port.on('message', async (m: Request) => {
    try {
      const h = handlers[m.op];
      if (!h) throw new Error(`no handler for ${m.op}`);
      port.postMessage({ id: m.id, ok: true, value: await h(m.args as never) } satisfies Reply);
    } catch (err) {
      const status = err instanceof UserError ? err.status : undefined;
      port.postMessage({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err), ...(status ? { status } : {}) } satisfies Reply);
    }
  });
}

const shared = globalThis as unknown as { __masklabPools?: Map<string, ThreadPool> };

/**
 * The process's pool of `size` threads running `entry` (a path from the project root, e.g.
 * `lib/faces/thread-main.ts`), made on first use and kept on globalThis (one per process, even where a bundler
 * loads this module twice); null when `size` is 0 (MASKLAB_WORKER_THREADS=0: callers run the work themselves).
 */
export function processPool(entry: string, name: string, size: number): ThreadPool | null {
  if (size <= 0) return null;
  const pools = (shared.__masklabPools ??= new Map());
  let pool = pools.get(entry);
  if (!pool) pools.set(entry, (pool = new ThreadPool(path.join(process.cwd(), entry), size, name)));
  return pool;
}
