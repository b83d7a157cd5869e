// Training commands of the CLI: train, features, predict, evaluate, promote, rollback, export, label-errors, suggest.
import fs from 'node:fs';
import { db } from '../lib/db';
import { loadPromoted } from '../lib/models/promoted';
import { promote, rollback } from '../lib/training/promote';
import { getJob } from '../lib/queue/jobs';
import { type JobHandler, Worker } from '../lib/queue/worker';
import { listLabelErrors, queueLabelErrors } from '../lib/label-errors/db';
import { LABEL_ERRORS_JOB, runLabelErrorsJob } from '../lib/label-errors/job';
import { exportDataset } from '../lib/export/export';
import { exportOptionsSchema } from '../lib/export/queue';
import { queueRetrain, type RunMetrics, runTrainJob, TRAIN_JOB } from '../lib/training/job';
import { ACCURATE_COST, BACKBONE_CHOICES, type BackboneChoice, TRAINING_VIEWS } from '../lib/inference/backbone';
import { VIEW_NAMES, type ViewName } from '../lib/inference/meta';
import { withoutFaceIds } from '../lib/training/slices';
import { WEIGHTINGS, type Weighting } from '../lib/training/weights';
import { evaluateFolder, imageFiles, predictPhoto } from '../lib/training/evaluate';
import { FEATURES_JOB, featuresJobHandler, queueFeatures } from '../lib/features/job';
import { computeSuggestions } from '../lib/suggest/job';
import { suggestionLines } from '../lib/suggest/accept';

export const TRAINING_COMMANDS = ['train', 'features', 'predict', 'evaluate', 'promote', 'rollback', 'export', 'label-errors', 'suggest'];

type Progress = { step?: string; epoch?: number; fold?: number; folds?: number; backfilled?: number; features?: { done: number; total: number } };

/** Runs a queued job in this process unless a worker (e.g. `npm start`) has taken it already; then waits for it. */
async function runOrWait(jobId: string, handlers: Record<string, JobHandler>, name: string, describe: (p: Progress) => string): Promise<void> {
  const w = new Worker(db(), { handlers, log: (l) => console.error(l) });
  let last = '';
  const show = setInterval(async () => {
    const j = await getJob(db(), jobId);
    const line = `${j?.status} ${describe(j ? JSON.parse(j.progress || '{}') : {})}`;
    if (line !== last) console.error(`${name}: ${(last = line)}`);
  }, 1000);
  try {
    for (;;) {
      const j = await getJob(db(), jobId);
      if (!j) throw new Error('the job disappeared');
      if (j.status === 'queued') await w.runOnce();
      else if (j.status === 'running') await new Promise((r) => setTimeout(r, 1000));
      else break;
    }
  } finally {
    clearInterval(show);
  }
}

export const TRAINING_HELP = `  train [--wait] [--seed <n>] [--weighting <w>] queue a retrain; --wait runs it (or waits for the worker) and prints the run's metrics as JSON;
        [--backbone fast|accurate] [--views none|default|<v,…>]
                                               --weighting class | class+gender (default) | class+gender+source (sample weights);
                                               --backbone fast (faceres, default) | accurate (faceres + faceres-deep + gear:
                                               more accurate, ~${ACCURATE_COST.msFactor}x the feature time per face, see README "Training");
                                               --views: augmented training views (default: the recipe's ${TRAINING_VIEWS.length}; none: plain and
                                               mirrored crops only; or a list of ${VIEW_NAMES.join(', ')});
                                               the JSON's metrics include learningCurve (docs/training.md)
  features                                     apparent gender and age for faces that have none (backbone features, cached);
                                               runs the job here (or waits for the worker), prints progress, then a JSON summary
  predict <file|dir> [--json]                  classify the faces in images with the promoted model (--json: one JSON line per image)
  evaluate <ImageFolder dir>                   score the promoted model on <dir>/<class>/*.jpg; prints metrics as JSON
  promote <run id>                             make a run's model the promoted one
  rollback                                     promote the previously promoted run again
  export <file.zip> [--whole-photos] [--classes a,b] [--split train|val|test]
                                               labelled faces as ImageFolder train/ val/ test/ <class>/<face>.jpg + manifest.csv
                                               + model/ (the promoted model as a bundle that runs without masklab); the
                                               same archive as Export on the Training page
  label-errors [--top N] [--json]              find probable label errors (runs the job, waits); one line per face, most suspicious first
  suggest [--json]                             the promoted model's suggestion for every unlabelled face, now (computes missing
                                               features); --json: one line per face {faceId, file, suggested, confidence, probs}
`;

type Opts = { wait?: boolean; json?: boolean; seed?: string; top?: string; weighting?: string; views?: string; 'whole-photos'?: boolean; classes?: string; split?: string; backbone?: string };

export async function trainingCommand(cmd: string, args: string[], opts: Opts, fail: (msg: string) => never): Promise<void> {
  switch (cmd) {
    case 'train': {
      const seed = opts.seed === undefined ? undefined : Number(opts.seed);
      if (seed !== undefined && !Number.isInteger(seed)) fail('--seed must be an integer');
      const weighting = opts.weighting;
      if (weighting !== undefined && !(WEIGHTINGS as readonly string[]).includes(weighting)) fail(`--weighting must be one of ${WEIGHTINGS.join(', ')}`);
      const choice = opts.backbone;
      if (choice !== undefined && !Object.hasOwn(BACKBONE_CHOICES, choice)) fail(`--backbone must be one of ${Object.keys(BACKBONE_CHOICES).join(', ')}`);
      const views = opts.views === undefined || opts.views === 'default' ? undefined : opts.views === 'none' ? [] : opts.views.split(',').map((v) => v.trim());
      const badView = views?.find((v) => !(VIEW_NAMES as readonly string[]).includes(v));
      if (badView !== undefined) fail(`--views must be none, default or a comma-separated list of ${VIEW_NAMES.join(', ')}`);
      const { job, alreadyQueued } = await queueRetrain(db(), null, {
        ...(seed === undefined ? {} : { seed }),
        ...(choice === undefined ? {} : { backbone: BACKBONE_CHOICES[choice as BackboneChoice] }),
        config: {
          ...(weighting === undefined ? {} : { weighting: weighting as Weighting }),
          ...(views === undefined ? {} : { views: views as ViewName[] }),
        },
      });
      if (!opts.wait) {
        console.log(JSON.stringify({ jobId: job.id, alreadyQueued }));
        return;
      }
      // Run it here unless a worker (e.g. `npm start`) has taken it already; then wait for it.
      await runOrWait(job.id, { [TRAIN_JOB]: runTrainJob }, 'train', (p) =>
        `${p.step ?? ''}${p.epoch ? ` epoch ${p.epoch}` : ''}${p.features?.total ? ` features ${p.features.done}/${p.features.total}` : ''}`,
      );
      const j = (await getJob(db(), job.id))!;
      if (j.status !== 'succeeded') fail(`training ${j.status}${j.error ? `: ${j.error}` : ''}`);
      const run = await db().run.findFirstOrThrow({ where: { jobId: job.id } });
      const { predictions: _p, slices, evalSets, ...metrics } = JSON.parse(run.metrics ?? '{}') as RunMetrics;
      // Slices and evaluation sets without their face lists (those open on the run page).
      console.log(
        JSON.stringify({
          run: run.id,
          backbone: run.backbone,
          promoted: run.promoted,
          modelDir: run.modelDir,
          metrics: {
            ...metrics,
            slices: slices ? withoutFaceIds(slices) : null,
            evalSets: Object.fromEntries(Object.entries(evalSets ?? {}).map(([name, { predictions: _e, slices: s, ...m }]) => [name, { ...m, slices: withoutFaceIds(s) }])),
          },
        }),
      );
      return;
    }
    case 'features': {
      const { job, alreadyQueued } = await queueFeatures(db(), null);
      if (alreadyQueued) console.error(`features: job ${job.id} is already ${job.status}; waiting for it`);
      await runOrWait(job.id, { [FEATURES_JOB]: featuresJobHandler() }, 'features', (p) =>
        `${p.step ?? ''}${p.backfilled ? ` backfilled ${p.backfilled}` : ''}${p.features?.total ? ` features ${p.features.done}/${p.features.total}` : ''}`,
      );
      const j = (await getJob(db(), job.id))!;
      if (j.status !== 'succeeded') fail(`features job ${j.status}${j.error ? `: ${j.error}` : ''}`);
      console.log(j.result);
      return;
    }
    case 'label-errors': {
      const top = opts.top === undefined ? 50 : Number(opts.top);
      if (!Number.isInteger(top) || top < 1) fail('--top must be a positive integer');
      const { job } = await queueLabelErrors(db(), null);
      await runOrWait(job.id, { [LABEL_ERRORS_JOB]: runLabelErrorsJob }, 'label-errors', (p) =>
        `${p.step ?? ''}${p.features?.total ? ` features ${p.features.done}/${p.features.total}` : ''}${p.folds ? ` fold ${p.fold}/${p.folds}` : ''}`,
      );
      const j = (await getJob(db(), job.id))!;
      if (j.status !== 'succeeded') fail(`label-errors ${j.status}${j.error ? `: ${j.error}` : ''}`);
      const { items } = await listLabelErrors(db(), null, { pageSize: top });
      for (const i of items) {
        const line = { faceId: i.faceId, file: i.file, label: i.label, suggested: i.suggested, score: Math.round(i.score * 1e4) / 1e4 };
        console.log(opts.json ? JSON.stringify(line) : `${line.score.toFixed(3)}  ${line.label} → ${line.suggested}  ${line.file}  ${line.faceId}`);
      }
      return;
    }
    case 'predict': {
      const target = args[0];
      if (!target) fail('predict needs a file or a folder');
      const files = imageFiles(target);
      const head = await loadPromoted(db());
      for (const file of files) {
        let faces;
        try {
          faces = await predictPhoto(head, fs.readFileSync(file));
        } catch (err) {
          if (opts.json) console.log(JSON.stringify({ file, error: (err as Error).message, faces: [] }));
          else console.log(`${file}: error: ${(err as Error).message}`);
          continue;
        }
        if (opts.json) console.log(JSON.stringify({ file, faces }));
        else console.log(`${file}: ${faces.length ? faces.map((f) => `${f.label} (${(100 * f.probs[f.label]).toFixed(0)}%)`).join(', ') : 'no face'}`);
      }
      return;
    }
    case 'evaluate': {
      if (!args[0]) fail('evaluate needs an ImageFolder directory');
      console.log(JSON.stringify(await evaluateFolder(await loadPromoted(db()), args[0]), null, 2));
      return;
    }
    case 'promote': {
      if (!args[0]) fail('promote needs a run id');
      const run = await promote(db(), args[0]);
      console.log(`promoted run ${run.id}`);
      return;
    }
    case 'rollback': {
      const run = await rollback(db());
      console.log(`promoted run ${run.id} again`);
      return;
    }
    case 'suggest': {
      let last = '';
      const summary = await computeSuggestions(db(), {
        onProgress: (p) => {
          const line = `suggest: ${p.step} ${p.done}/${p.total}`;
          if (line !== last && (p.step !== 'features' || p.done === p.total || p.done % 256 < 16)) console.error((last = line));
        },
      });
      if (opts.json) {
        for await (const line of suggestionLines(db(), summary.runId)) console.log(JSON.stringify(line));
        return;
      }
      const perClass = await db().suggestion.groupBy({ by: ['label'], where: { runId: summary.runId, face: { label: null } }, _count: { _all: true }, _avg: { confidence: true } });
      console.log(`model ${summary.runId}: ${summary.suggested} unlabelled faces (${summary.computed} features computed, ${summary.cached} cached)`);
      for (const r of perClass) console.log(`  ${r.label}: ${r._count._all} (mean confidence ${((r._avg.confidence ?? 0) * 100).toFixed(0)}%)`);
      return;
    }
    case 'export': {
      if (!args[0] || !args[0].endsWith('.zip')) fail('export needs a file name ending in .zip');
      const options = exportOptionsSchema.safeParse({
        content: opts['whole-photos'] ? 'photos' : 'crops',
        ...(opts.classes ? { classes: opts.classes.split(',').map((c) => c.trim()) } : {}),
        ...(opts.split ? { split: opts.split } : {}),
      });
      if (!options.success) fail(`export: ${options.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')}`);
      let shown = 0;
      const r = await exportDataset(db(), args[0], options.data, {
        onProgress: (p) => {
          if (p.step === 'faces' && p.done < p.total && Date.now() - shown < 2000) return;
          shown = Date.now();
          console.error(`export: ${p.step} ${p.done}/${p.total}`);
        },
      });
      console.log(`wrote ${r.file}: ${r.faces} faces, ${(r.bytes / 1024 / 1024).toFixed(1)} MB${r.model ? `, model of run ${r.model}` : ` (${r.modelNote})`}`);
      return;
    }
  }
}
