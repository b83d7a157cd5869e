// Waiting on jobs in tests that run workers in the background (chunks that two workers share).
import type { Db } from '@/lib/db';
import { getJob } from '@/lib/queue/jobs';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `pred` holds (checked every 20 ms), or fails after `ms`. */
export async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The job once it has ended (succeeded, failed or cancelled). */
export async function finished(db: Db, jobId: string, ms?: number) {
  await until(async () => ['succeeded', 'failed', 'cancelled'].includes((await getJob(db, jobId))!.status), `job ${jobId} to end`, ms);
  return (await getJob(db, jobId))!;
}

/** The workers that ran these jobs (from their logs). */
export async function ranBy(db: Db, jobIds: string[]): Promise<Set<string>> {
  const logs = await db.jobLog.findMany({ where: { jobId: { in: jobIds } }, select: { message: true } });
  return new Set(logs.flatMap((l) => l.message.match(/^started by worker (\w+)/)?.[1] ?? []));
}
