// A real worker process for the queue tests: runs lib/queue's Worker with a "slow" job
// type that checkpoints every 50 ms for `payload.ms` milliseconds. Prints "claimed <id>"
// when it starts a job, so the test knows when to kill it.
import { createDb } from '../../lib/db';
import { Worker } from '../../lib/queue/worker';

const url = process.argv[2];
const leaseMs = Number(process.argv[3] ?? 1000);
if (!url) throw new Error('usage: slow-worker.ts <database url> [leaseMs]');
const db = createDb(url);
const worker = new Worker(db, {
  leaseMs,
  pollMs: 50,
  log: () => {},
  handlers: {
    slow: async (ctx) => {
      console.log(`claimed ${ctx.job.id}`);
      const { ms } = ctx.payload as { ms: number };
      const end = Date.now() + ms;
      while (Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
        await ctx.checkpoint();
      }
      return { slept: ms };
    },
  },
});
process.on('SIGTERM', () => {
  worker.stop().then(() => db.$disconnect()).then(() => process.exit(0));
});
worker.start();
