// A fault-test hook: with MASKLAB_TEST_HOLD_AT=<point>, a job's first attempt stops at the named
// point (a `holdForTest(ctx, '<point>')` call in its handler), logs `holding at <point>` to the
// job's log and waits there, its lease still renewed, until its worker is killed or stopped. The
// retry runs through. tests/faults/worker.test.ts kills the worker between saving a model and
// recording its run this way. Unset (always, outside the fault tests) it does nothing.
import type { JobContext } from './worker';

export const HOLD_ENV = 'MASKLAB_TEST_HOLD_AT';

export async function holdForTest(ctx: JobContext, point: string): Promise<void> {
  if (process.env[HOLD_ENV] !== point || ctx.job.attempts !== 1) return;
  await ctx.log(`holding at ${point} (${HOLD_ENV})`, 'warn');
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    await ctx.checkpoint(); // a stopping worker, a lost lease or a cancel still end the job
  }
}
