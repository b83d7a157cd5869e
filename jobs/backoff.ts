// Restart delays for a supervised child process: 1 s, doubling up to 60 s; once the child
// has run a while (it came up fine and crashed later), the next restart is quick again.
export type BackoffOptions = { initialMs?: number; maxMs?: number; resetAfterMs?: number };

export class Backoff {
  private next: number;
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 1_000;
    this.maxMs = opts.maxMs ?? 60_000;
    this.resetAfterMs = opts.resetAfterMs ?? 5 * 60_000;
    this.next = this.initialMs;
  }

  /** The delay before the next restart of a child that ran for `ranMs` before it exited. */
  delay(ranMs: number): number {
    if (ranMs >= this.resetAfterMs) this.next = this.initialMs;
    const d = this.next;
    this.next = Math.min(this.maxMs, this.next * 2);
    return d;
  }
}
