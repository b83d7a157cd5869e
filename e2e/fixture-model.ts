/**
 * Test setup: a small promoted model, trained here on the 32 face fixtures in seconds, saved and promoted
 * through the model registry (`saveModel`, `promote`).
 * Features are made as training makes them (the photo's planned sample boxes through `describeImageBoxes`, the
 * inference crop path, plus the mirrored crop as augmentation), the head input is `headInput` from the
 * browser-safe `lib/inference/classify.ts`, and meta.json is `buildModelMeta`, as the training job writes it.
 *
 * CLI: `npx tsx e2e/fixture-model.ts <DATABASE_URL> <modelsDir>` (e.g. to benchmark a running app;
 * `MIRROR_TTA=0` for a model without mirror test-time augmentation).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLASSES } from '../lib/classes';
import { createDb } from '../lib/db';
import { analyseImage } from '../lib/faces/pipeline';
import { BACKBONE_ID } from '../lib/inference/backbone';
import { headInput } from '../lib/inference/classify';
import { saveModel } from '../lib/models/registry';
import { promote } from '../lib/training/promote';
import { getTf } from '../lib/models/tf';
import { decodeOriginal, describeImageBoxes } from '../lib/features/cache';
import { DEFAULT_HEAD } from '../lib/training/head';
import { buildModelMeta } from '../lib/training/meta';

const FIXTURES = path.join(__dirname, '..', 'tests', 'fixtures', 'facemask');
export const FIXTURE_CLASSES = CLASSES;

/** Trains the head, saves it under `modelsDir`, records a promoted succeeded Run. Returns the run id. */
export async function createPromotedFixtureModel(
  databaseUrl: string,
  modelsDir: string,
  opts: { seed?: number; mirrorTta?: boolean } = {},
): Promise<string> {
  const mirrorTta = opts.mirrorTta ?? true; // as training's default
  const tf = await getTf();
  const useAge = true;
  const x: Float32Array[] = [];
  const y: number[] = [];
  for (const [k, cls] of FIXTURE_CLASSES.entries()) {
    const dir = path.join(FIXTURES, cls);
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort()) {
      const image = await decodeOriginal(fs.readFileSync(path.join(dir, f)));
      const { samples } = await analyseImage(image);
      for (const pair of await describeImageBoxes(image, samples.map((s) => s.box))) {
        for (const d of [pair.plain, pair.mirrored!]) {
          x.push(headInput(d.features, d.age, useAge));
          y.push(k);
        }
      }
    }
  }
  const headConfig = { ...DEFAULT_HEAD, hidden: 0, useAge };
  const dim = x[0].length;
  const seed = opts.seed ?? 7;
  const head = tf.sequential({ name: 'masklab_head' });
  head.add(tf.layers.dense({ inputShape: [dim], units: FIXTURE_CLASSES.length, activation: 'softmax', name: 'classes', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  head.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
  const xs = tf.tensor2d(Float32Array.from(x.flatMap((r) => Array.from(r))), [x.length, dim]);
  const ys = tf.oneHot(tf.tensor1d(y, 'int32'), FIXTURE_CLASSES.length);
  await head.fit(xs, ys, { epochs: 150, batchSize: 64, shuffle: false, verbose: 0 });
  tf.dispose([xs, ys]);

  const db = createDb(databaseUrl);
  try {
    const run = await db.run.create({ data: { status: 'running', backbone: BACKBONE_ID, seed } });
    const meta = buildModelMeta({
      runId: run.id,
      head: headConfig,
      mirrorTta,
      bestEpoch: 150,
      seed,
      snapshot: { faces: x.length / 2, perSplit: { train: x.length / 2 } },
    });
    const dir = await saveModel(tf, modelsDir, run.id, head, meta);
    await db.run.update({ where: { id: run.id }, data: { status: 'succeeded', modelDir: dir, finishedAt: new Date() } });
    await promote(db, run.id);
    return run.id;
  } finally {
    head.dispose();
    await db.$disconnect();
  }
}

if (require.main === module) {
  const [url, modelsDir] = process.argv.slice(2);
  if (!url || !modelsDir) {
    console.error('usage: tsx e2e/fixture-model.ts <DATABASE_URL> <modelsDir>');
    process.exit(2);
  }
  createPromotedFixtureModel(url, path.resolve(modelsDir), { mirrorTta: process.env.MIRROR_TTA !== '0' }).then(
    (id) => console.log(`promoted fixture model ${id}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
