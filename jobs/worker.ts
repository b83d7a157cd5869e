// `npm run worker` (also started by `npm start`): claims jobs from the database and runs
// them. Several workers may run against PostgreSQL; on SQLite run one. SIGTERM / SIGINT
// stop it cleanly: the running job stops at its next checkpoint and goes back to the queue.
import { config, ConfigError } from '../lib/config';
import { db } from '../lib/db';
import { migrate } from '../lib/db/migrate';
import { importHandlers } from '../lib/import/job';
import { incomingDir, sweepIncoming } from '../lib/import/incoming';
import { sweepTemp } from '../lib/models/registry';
import { sweepModelOrphans } from '../lib/models/orphans';
import { Worker } from '../lib/queue/worker';
import { runTrainJob, TRAIN_JOB } from '../lib/training/job';
import { featuresHandlers } from '../lib/features/job';
import { LABEL_ERRORS_FOLD_JOB, LABEL_ERRORS_JOB, runLabelErrorsFold, runLabelErrorsJob } from '../lib/label-errors/job';
import { MAP_JOB, runMapJob } from '../lib/dataset-map/job';
import { exportHandlers } from '../lib/export/job';
import { runSuggestJob, SUGGEST_JOB } from '../lib/suggest/job';
import { startWebhookDispatcher } from '../lib/webhooks/deliver';

async function main() {
  const cfg = config();
  await migrate(cfg.databaseUrl);
  // Only folders older than the lease: another worker may be saving a model right now.
  sweepTemp(cfg.modelsDir, cfg.workerLeaseMs);
  // Uploaded zips whose import job is gone (it ran out of attempts while its worker was dead).
  // Model folders no run points to whose run failed or whose job ended (a worker killed between
  // saving a model and recording its run); lib/models/orphans.ts.
  const sweep = () =>
    Promise.all([
      sweepIncoming(db(), incomingDir(cfg.dataDir))
        .then((gone) => gone.length && console.log(`masklab: removed ${gone.length} abandoned upload(s) from ${incomingDir(cfg.dataDir)}`))
        .catch((err) => console.error(`masklab: sweeping uploads: ${(err as Error).message}`)),
      sweepModelOrphans(db(), cfg.modelsDir)
        .then((gone) => gone.forEach((o) => console.log(`masklab: removed model folder ${o.path}: ${o.why}`)))
        .catch((err) => console.error(`masklab: sweeping model folders: ${(err as Error).message}`)),
    ]);
  await sweep();
  setInterval(sweep, 60 * 60_000).unref();
  const worker = new Worker(db(), {
    handlers: {
      [TRAIN_JOB]: runTrainJob,
      ...importHandlers(),
      ...featuresHandlers(),
      [LABEL_ERRORS_JOB]: runLabelErrorsJob,
      [LABEL_ERRORS_FOLD_JOB]: runLabelErrorsFold,
      [MAP_JOB]: runMapJob,
      [SUGGEST_JOB]: runSuggestJob,
      ...exportHandlers(),
    },
    leaseMs: cfg.workerLeaseMs,
    pollMs: cfg.workerPollMs,
    log: (l) => console.log(`masklab: ${l}`),
  });
  // Webhook deliveries (lib/webhooks): sent and retried beside the jobs, never in a web request.
  const hooks = startWebhookDispatcher(db(), { workerId: worker.id, pollMs: cfg.workerPollMs, log: (l) => console.log(`masklab: ${l}`) });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    Promise.all([worker.stop(), hooks.stop()])
      .then(() => db().$disconnect())
      .then(() => process.exit(0));
    setTimeout(() => process.exit(0), 8_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await worker.start();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
