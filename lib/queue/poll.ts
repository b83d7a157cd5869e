// The polling loop of the job worker (lib/queue/worker.ts) and of the webhook dispatcher
// (lib/webhooks/deliver.ts): one place that decides when to look for work again.

export type PollLoop = {
  /** Resolves once the loop has ended. */
  done: Promise<void>;
  /** Look again now (also when called during a step: the loop does not wait after it). */
  nudge: () => void;
  /** Ends the loop after the current step; resolves when it has. */
  stop: () => Promise<void>;
};

/**
 * Runs `step` until stopped. A step returns whether it found work: then the next one follows at once;
 * after one that found nothing, or threw (`onError` is told), the loop waits `pollMs` or until `nudge()`.
 */
export function pollLoop(step: () => Promise<boolean>, opts: { pollMs: number; onError: (err: Error) => void }): PollLoop {
  let stopping = false;
  let woken = false;
  let wake: (() => void) | null = null;
  const nudge = () => {
    woken = true;
    wake?.();
  };
  const done = (async () => {
    while (!stopping) {
      woken = false;
      let busy = false;
      try {
        busy = await step();
      } catch (err) {
        opts.onError(err as Error);
      }
      if (busy || stopping || woken) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, opts.pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  })();
  return {
    done,
    nudge,
    stop: () => {
      stopping = true;
      nudge();
      return done;
    },
  };
}
