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
import { featuresHandlers, queueFeatures } from '../lib/features/job';
import { computeSuggestions } from '../lib/suggest/job';
import { suggestionLines } from '../lib/suggest/accept';
import { CliError, type Command, command } from './cli-kit';

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
      if (!j) throw new CliError('the job disappeared');
      if (j.status === 'queued') await w.runOnce();
      else if (j.status === 'running') await new Promise((r) => setTimeout(r, 1000));
      else break;
    }
  } finally {
    clearInterval(show);
  }
}

const MAX_SEED = 2 ** 31 - 1;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export const TRAINING_COMMANDS: Command[] = [
  command({
    name: 'train',
    summary: 'queue a retrain; --wait runs it here (or waits for the worker) and prints the run\'s metrics',
    details: `--backbone accurate (faceres + faceres-deep + gear) is more accurate and takes ~${ACCURATE_COST.msFactor}x the feature time per face (README "Training").`,
    options: {
      wait: { type: 'boolean', help: 'run the job now (or wait for the worker that took it) and print the run' },
      seed: { type: 'string', value: '<n>', help: `the split and initialisation seed, 0 to ${MAX_SEED}` },
      weighting: { type: 'string', value: `<${WEIGHTINGS.join('|')}>`, help: 'sample weights (default class+gender)' },
      backbone: { type: 'string', value: `<${Object.keys(BACKBONE_CHOICES).join('|')}>`, help: 'the feature backbone (default fast)' },
      views: {
        type: 'string',
        value: '<none|default|v,…>',
        help: `augmented training views (default: the recipe's ${TRAINING_VIEWS.length}; none: plain and mirrored crops only; or a list of ${VIEW_NAMES.join(', ')})`,
      },
    },
    example: ['masklab train --wait   # the JSON\'s metrics include learningCurve', 'masklab train --weighting class --backbone accurate --seed 7', 'masklab train --views none'],
    run: async ({ opts, result, note, usage, fail }) => {
      const seed = opts.seed === undefined ? undefined : Number(opts.seed);
      if (seed !== undefined && (!/^\d+$/.test(opts.seed!) || seed > MAX_SEED)) usage(`--seed must be an integer from 0 to ${MAX_SEED}`);
      const weighting = opts.weighting;
      if (weighting !== undefined && !(WEIGHTINGS as readonly string[]).includes(weighting)) usage(`--weighting must be one of ${WEIGHTINGS.join(', ')}`);
      const choice = opts.backbone;
      if (choice !== undefined && !Object.hasOwn(BACKBONE_CHOICES, choice)) usage(`--backbone must be one of ${Object.keys(BACKBONE_CHOICES).join(', ')}`);
      const views = opts.views === undefined || opts.views === 'default' ? undefined : opts.views === 'none' ? [] : opts.views.split(',').map((v) => v.trim());
      const badView = views?.find((v) => !(VIEW_NAMES as readonly string[]).includes(v));
      if (badView !== undefined) usage(`--views must be none, default or a comma-separated list of ${VIEW_NAMES.join(', ')}`);
      const { job, alreadyQueued } = await queueRetrain(db(), null, {
        ...(seed === undefined ? {} : { seed }),
        ...(choice === undefined ? {} : { backbone: BACKBONE_CHOICES[choice as BackboneChoice] }),
        config: {
          ...(weighting === undefined ? {} : { weighting: weighting as Weighting }),
          ...(views === undefined ? {} : { views: views as ViewName[] }),
        },
      });
      if (!opts.wait) {
        result({ jobId: job.id, alreadyQueued }, alreadyQueued ? `a retrain is already ${job.status}: job ${job.id}` : `queued retrain job ${job.id} (the worker runs it; --wait runs it here)`);
        return;
      }
      if (alreadyQueued) note(`train: job ${job.id} is already ${job.status}; waiting for it`);
      // Run it here unless a worker (e.g. `npm start`) has taken it already; then wait for it.
      await runOrWait(job.id, { [TRAIN_JOB]: runTrainJob }, 'train', (p) =>
        `${p.step ?? ''}${p.epoch ? ` epoch ${p.epoch}` : ''}${p.features?.total ? ` features ${p.features.done}/${p.features.total}` : ''}`,
      );
      const j = (await getJob(db(), job.id))!;
      if (j.status !== 'succeeded') fail(`training ${j.status}${j.error ? `: ${j.error}` : ''}`);
      const run = await db().run.findFirstOrThrow({ where: { jobId: job.id } });
      const { predictions: _p, slices, evalSets, ...metrics } = JSON.parse(run.metrics ?? '{}') as RunMetrics;
      // Slices and evaluation sets without their face lists (those open on the run page).
      const evals = Object.fromEntries(Object.entries(evalSets ?? {}).map(([name, { predictions: _e, slices: s, ...m }]) => [name, { ...m, slices: withoutFaceIds(s) }]));
      result({ run: run.id, backbone: run.backbone, promoted: run.promoted, modelDir: run.modelDir, metrics: { ...metrics, slices: slices ? withoutFaceIds(slices) : null, evalSets: evals } }, [
        `run ${run.id} (${run.backbone})${run.promoted ? ', promoted' : ', not promoted'}: test accuracy ${pct(metrics.accuracy ?? 0)} of ${metrics.n ?? 0} faces, macro F1 ${(metrics.macro?.f1 ?? 0).toFixed(3)}`,
        `model: ${run.modelDir}`,
        ...Object.entries(evals).map(([name, m]) => `evaluation set ${name}: ${JSON.stringify(Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'number')))}`),
        '(--json for every metric)',
      ]);
    },
  }),
  command({
    name: 'features',
    summary: 'apparent gender and age for faces that have none (backbone features, cached); runs the job here or waits for the worker',
    example: 'masklab features',
    run: async ({ result, note, fail }) => {
      const { job, alreadyQueued } = await queueFeatures(db(), null);
      if (alreadyQueued) note(`features: job ${job.id} is already ${job.status}; waiting for it`);
      await runOrWait(job.id, featuresHandlers(), 'features', (p) =>
        `${p.step ?? ''}${p.backfilled ? ` backfilled ${p.backfilled}` : ''}${p.features?.total ? ` features ${p.features.done}/${p.features.total}` : ''}`,
      );
      const j = (await getJob(db(), job.id))!;
      if (j.status !== 'succeeded') fail(`features job ${j.status}${j.error ? `: ${j.error}` : ''}`);
      const r = JSON.parse(j.result ?? '{}') as Record<string, unknown>;
      result(r, `features: ${Object.entries(r).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ')}`);
    },
  }),
  command({
    name: 'predict',
    args: '<file|dir>',
    summary: 'classify the faces in images with the promoted model',
    details: '--json: one line per image {file, faces: [{box, wholeImage, probs, label}]} (or {file, error, faces: []}).',
    example: ['masklab predict photo.jpg', 'masklab predict photos/ --json'],
    run: async ({ args: [target], json, result }) => {
      const files = imageFiles(target);
      const head = await loadPromoted(db());
      for (const file of files) {
        let faces;
        try {
          faces = await predictPhoto(head, fs.readFileSync(file));
        } catch (err) {
          result({ file, error: (err as Error).message, faces: [] }, `${file}: error: ${(err as Error).message}`);
          continue;
        }
        if (json) result({ file, faces }, []);
        else result(null, `${file}: ${faces.length ? faces.map((f) => `${f.label} (${(100 * f.probs[f.label]).toFixed(0)}%)`).join(', ') : 'no face'}`);
      }
    },
  }),
  command({
    name: 'evaluate',
    args: '<dir>',
    summary: 'score the promoted model on an ImageFolder directory (<dir>/<class>/*.jpg)',
    example: 'masklab evaluate path/to/ImageFolder --json',
    run: async ({ args: [dir], result }) => {
      const r = await evaluateFolder(await loadPromoted(db()), dir);
      result(r, [
        `model ${r.model}: ${r.images} images (${r.skipped} without a face): accuracy ${pct(r.accuracy)}, mask ${pct(r.maskAccuracy)}, age ${pct(r.ageAccuracy)}, macro F1 ${r.macro.f1.toFixed(3)}`,
        ...Object.entries(r.perClass).map(([c, m]) => `  ${c}: precision ${m.precision.toFixed(3)} recall ${m.recall.toFixed(3)} (${m.support})`),
      ]);
    },
  }),
  command({
    name: 'promote',
    args: '<run id>',
    summary: "make a run's model the promoted one (queues the suggest job)",
    example: 'masklab promote cm4x0abc0000',
    run: async ({ args: [id], result }) => {
      const run = await promote(db(), id);
      result({ promoted: run.id }, `promoted run ${run.id}`);
    },
  }),
  command({
    name: 'rollback',
    summary: 'promote the previously promoted run again',
    example: 'masklab rollback',
    run: async ({ result }) => {
      const run = await rollback(db());
      result({ promoted: run.id }, `promoted run ${run.id} again`);
    },
  }),
  command({
    name: 'export',
    args: '<file.zip>',
    summary: 'write labelled faces as ImageFolder train/ val/ test/ <class>/ (every class in every split, a Hugging Face metadata.csv in each) + classes.txt, labels.json, manifest.csv + the model bundle (Export on Training)',
    options: {
      'whole-photos': { type: 'boolean', help: 'whole photos instead of face crops' },
      classes: { type: 'string', value: '<a,b>', help: 'only these classes' },
      split: { type: 'string', value: '<train|val|test>', help: 'only this split' },
    },
    example: ['masklab export dataset.zip', 'masklab export masks.zip --classes mask_old,mask_young --split test'],
    run: async ({ args: [file], opts, result, note, usage }) => {
      if (!file.endsWith('.zip')) usage('export needs a file name ending in .zip');
      const options = exportOptionsSchema.safeParse({
        content: opts['whole-photos'] ? 'photos' : 'crops',
        ...(opts.classes ? { classes: opts.classes.split(',').map((c) => c.trim()) } : {}),
        ...(opts.split ? { split: opts.split } : {}),
      });
      if (!options.success) usage(`export: ${options.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')}`);
      let shown = 0;
      const r = await exportDataset(db(), file, options.data, {
        onProgress: (p) => {
          if (p.step === 'faces' && p.done < p.total && Date.now() - shown < 2000) return;
          shown = Date.now();
          note(`export: ${p.step} ${p.done}/${p.total}`);
        },
      });
      result(r, `wrote ${r.file}: ${r.faces} faces, ${(r.bytes / 1024 / 1024).toFixed(1)} MB${r.model ? `, model of run ${r.model}` : ` (${r.modelNote})`}`);
    },
  }),
  command({
    name: 'label-errors',
    summary: 'find probable label errors (runs the job, waits); one line per face, most suspicious first',
    details: '--json: one line per face {faceId, file, label, suggested, score}.',
    options: { top: { type: 'string', value: '<n>', help: 'how many faces to list (default 50)' } },
    example: 'masklab label-errors --top 20',
    run: async ({ opts, result, usage, fail }) => {
      const top = opts.top === undefined ? 50 : Number(opts.top);
      if (!Number.isInteger(top) || top < 1) usage('--top must be a positive integer');
      const { job } = await queueLabelErrors(db(), null);
      await runOrWait(job.id, { [LABEL_ERRORS_JOB]: runLabelErrorsJob }, 'label-errors', (p) =>
        `${p.step ?? ''}${p.features?.total ? ` features ${p.features.done}/${p.features.total}` : ''}${p.folds ? ` fold ${p.fold}/${p.folds}` : ''}`,
      );
      const j = (await getJob(db(), job.id))!;
      if (j.status !== 'succeeded') fail(`label-errors ${j.status}${j.error ? `: ${j.error}` : ''}`);
      const { items } = await listLabelErrors(db(), null, { pageSize: top });
      for (const i of items) {
        const line = { faceId: i.faceId, file: i.file, label: i.label, suggested: i.suggested, score: Math.round(i.score * 1e4) / 1e4 };
        result(line, `${line.score.toFixed(3)}  ${line.label} → ${line.suggested}  ${line.file}  ${line.faceId}`);
      }
    },
  }),
  command({
    name: 'suggest',
    summary: "the promoted model's suggestion for every unlabelled face, now (computes missing features)",
    details: '--json: one line per face {faceId, file, suggested, confidence, probs}.',
    example: ['masklab suggest', 'masklab suggest --json > suggestions.jsonl'],
    run: async ({ json, result, note }) => {
      let last = '';
      const summary = await computeSuggestions(db(), {
        onProgress: (p) => {
          const line = `suggest: ${p.step} ${p.done}/${p.total}`;
          if (line !== last && (p.step !== 'features' || p.done === p.total || p.done % 256 < 16)) note((last = line));
        },
      });
      if (json) {
        for await (const line of suggestionLines(db(), summary.runId)) result(line, []);
        return;
      }
      const perClass = await db().suggestion.groupBy({ by: ['label'], where: { runId: summary.runId, face: { label: null } }, _count: { _all: true }, _avg: { confidence: true } });
      result(null, [
        `model ${summary.runId}: ${summary.suggested} unlabelled faces (${summary.computed} features computed, ${summary.cached} cached)`,
        ...perClass.map((r) => `  ${r.label}: ${r._count._all} (mean confidence ${((r._avg.confidence ?? 0) * 100).toFixed(0)}%)`),
      ]);
    },
  }),
];
