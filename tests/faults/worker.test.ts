// The worker of a real `npm start` killed with SIGKILL while it computes features, while it
// trains and between saving the model and recording the run: the job is retried and finishes,
// the killed attempt's run is marked failed, no partial model folder is left (the one saved
// but never recorded is reported by `storage check` and removed by --fix), and the web app
// serves throughout.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/db';
import { FEATURE_KEY } from '@/lib/features/cache';
import type { StorageReport } from '@/lib/housekeeping/storage-check';
import { HOLD_ENV } from '@/lib/queue/hold';
import { queueRetrain, type TrainProgress } from '@/lib/training/queue';
import { alive, type App, cli, FIXTURES, freePort, killAll, newSite, serving, startApp, waitUntil } from './app';

let site: Awaited<ReturnType<typeof newSite>>;
let app: App;
let db: Db;

beforeAll(async () => {
  site = await newSite('worker-kill');
  // Labelled faces, imported as a user would (class folders), before the first start.
  const summary = JSON.parse(cli(site.env, ['import', FIXTURES, '--labels-from-folders', '--json']).stdout) as { faces: number };
  expect(summary.faces).toBeGreaterThanOrEqual(32);
  // A short lease, so a killed worker's job is retried within seconds; long enough that a busy
  // machine does not lose it while computing features.
  // A train job's first attempt waits right after saving its model (lib/queue/hold.ts); the tests
  // above it kill their first attempt before it gets there.
  app = startApp({ ...site.env, MASKLAB_WORKER_LEASE_S: '8', MASKLAB_WORKER_POLL_S: '0.2', [HOLD_ENV]: 'model-saved' }, await freePort());
  await serving(app);
  db = createDb(site.url);
  expect(await db.face.count({ where: { label: { not: null } } })).toBe(32);
});
afterAll(async () => {
  await db?.$disconnect();
  killAll();
  await site?.cleanup();
});

const progressOf = async (jobId: string) => {
  const j = await db.job.findUniqueOrThrow({ where: { id: jobId } });
  return { status: j.status, attempts: j.attempts, progress: JSON.parse(j.progress || '{}') as Partial<TrainProgress> };
};

/** Kills the running worker with SIGKILL once `when` holds for the job, then waits for the job to end. */
async function killWorkerWhen(jobId: string, when: (p: Partial<TrainProgress>) => boolean | Promise<boolean>) {
  await waitUntil('the job to reach the step to kill it in', async () => {
    const p = await progressOf(jobId);
    if (p.status !== 'running' && p.status !== 'queued') throw new Error(`job ended early: ${JSON.stringify(p)}`);
    return p.status === 'running' && (await when(p.progress));
  }, 240_000, 50);
  const workers = app.pids('worker').length;
  const victim = app.pids('worker').at(-1)!;
  process.kill(victim, 'SIGKILL');
  // The web app keeps serving while the worker is down and restarted.
  expect((await fetch(`${app.base}/login`)).status).toBe(200);
  await waitUntil('a new worker', () => app.pids('worker').length === workers + 1 && alive(app.pids('worker').at(-1)!), 60_000);
  expect(app.output()).toMatch(/worker exited \(SIGKILL\); restarting it in/);
  const end = await waitUntil(
    'the retried job to finish',
    async () => {
      const p = await progressOf(jobId);
      return p.status === 'succeeded' || p.status === 'failed' ? p : null;
    },
    300_000,
    250,
  );
  expect((await fetch(`${app.base}/login`)).status).toBe(200);
  expect(app.child.exitCode).toBeNull();
  return end;
}

async function expectRetriedCleanly(jobId: string, since: Date) {
  const job = await db.job.findUniqueOrThrow({ where: { id: jobId } });
  expect(job.error).toBeNull();
  expect(job.status).toBe('succeeded');
  expect(job.attempts).toBe(2);
  const logs = (await db.jobLog.findMany({ where: { jobId }, orderBy: { id: 'asc' } })).map((l) => l.message).join('\n');
  expect(logs).toMatch(/expired; re-queued/);
  // The killed attempt's run is marked failed; the retry's run finished with its model.
  const runs = await db.run.findMany({ where: { createdAt: { gte: since } }, orderBy: { createdAt: 'asc' } });
  expect(runs.map((r) => r.status)).toEqual(['failed', 'succeeded']);
  expect(runs[0].modelDir).toBeNull();
  expect(runs[1].jobId).toBe(jobId);
  expect(fs.readdirSync(runs[1].modelDir!).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);
  // No partial model folder: only finished runs' folders, no temporary ones.
  const saved = (await db.run.findMany({ where: { modelDir: { not: null } }, select: { id: true } })).map((r) => r.id).sort();
  expect(fs.readdirSync(site.env.MASKLAB_MODELS_DIR).sort()).toEqual(saved);
  expect(await db.run.count({ where: { promoted: true } })).toBe(1);
}

describe('a worker killed with SIGKILL', () => {
  it('while computing features: the job is retried and finishes', async () => {
    const since = new Date();
    const { job } = await queueRetrain(db, null, { config: { maxEpochs: 20 } });
    await killWorkerWhen(job.id, (p) => p.step === 'features' && (p.features?.done ?? 0) > 0);
    await expectRetriedCleanly(job.id, since);
    // Features computed before the kill were kept, and the rest computed by the retry: plain + mirrored for
    // every face (the training views of the train split are rows of their own keys).
    expect(await db.feature.count({ where: { backbone: FEATURE_KEY } })).toBe(64);
  });

  it('while training: the job is retried and finishes', async () => {
    const since = new Date();
    // Many epochs without early stopping, so the kill lands in the middle of training.
    const { job } = await queueRetrain(db, null, { config: { maxEpochs: 400, patience: 400 } });
    await killWorkerWhen(job.id, (p) => p.step === 'train' && (p.epoch ?? 0) >= 3);
    await expectRetriedCleanly(job.id, since);
  });

  it('after saving its model, before recording the run: storage check reports the folder, --fix removes it', async () => {
    const since = new Date();
    const { job } = await queueRetrain(db, null, { config: { maxEpochs: 20 } });
    const holding = async () => (await db.jobLog.count({ where: { jobId: job.id, message: { startsWith: 'holding at model-saved' } } })) > 0;
    await killWorkerWhen(job.id, holding);
    const killed = await db.run.findFirstOrThrow({ where: { createdAt: { gte: since } }, orderBy: { createdAt: 'asc' } });
    const folder = path.join(site.env.MASKLAB_MODELS_DIR, killed.id);
    expect(fs.readdirSync(folder).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);
    // The retry marked the killed attempt's run failed: nothing points to its whole model folder.
    const storageCheck = (fix = false) => JSON.parse(cli(site.env, ['storage', 'check', '--json', ...(fix ? ['--fix'] : [])]).stdout) as StorageReport;
    const report = storageCheck();
    expect(report.models).toEqual([expect.objectContaining({ path: folder, run: killed.id, state: 'dead', removed: false })]);
    expect(report.models[0].why).toMatch(/failed before its model was recorded/);
    expect(report.models[0].bytes).toBeGreaterThan(0);
    expect(storageCheck(true).models).toEqual([expect.objectContaining({ path: folder, removed: true })]);
    expect(fs.existsSync(folder)).toBe(false);
    expect(storageCheck().models).toEqual([]);
    await expectRetriedCleanly(job.id, since);
  });
});
