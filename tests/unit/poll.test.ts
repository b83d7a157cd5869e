import { describe, expect, it } from 'vitest';
import { pollLoop } from '@/lib/queue/poll';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('pollLoop (the worker and the webhook dispatcher)', () => {
  it('runs steps back to back while they find work, then waits until nudged, and stops after the current step', async () => {
    let work = 3;
    const calls: number[] = [];
    const errors: string[] = [];
    const loop = pollLoop(
      async () => {
        calls.push(work);
        if (work === -1) throw new Error('database gone');
        return work-- > 0;
      },
      { pollMs: 60_000, onError: (e) => errors.push(e.message) },
    );
    await tick();
    expect(calls).toEqual([3, 2, 1, 0]); // three busy steps, then one that found nothing: waiting
    loop.nudge();
    await tick();
    expect(calls).toEqual([3, 2, 1, 0, -1]);
    expect(errors).toEqual(['database gone']); // a failed step is reported and the loop waits, no busy retry
    await tick();
    expect(calls).toHaveLength(5);
    await loop.stop();
    await loop.done;
    expect(calls).toHaveLength(5);
  });
});
