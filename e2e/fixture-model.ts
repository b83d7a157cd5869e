/**
 * Test setup: a small promoted model, trained here on the 32 face fixtures, written exactly as the model
 * registry stores models (`<modelsDir>/<runId>/model.json + weights.bin + meta.json`, `Run.promoted`).
 * Features are made as training makes them (stored crop JPEG -> `encodedToRgb` -> faceres, plus the mirrored
 * crop as augmentation) and the head input is `headInput` from the shared `lib/ml/classify.ts`.
 *
 * The ONE place to swap for the real training job once it is merged.
 * CLI: `npx tsx e2e/fixture-model.ts <DATABASE_URL> <modelsDir>` (e.g. to benchmark a running app).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createDb } from '../lib/db';
import { analysePhoto } from '../lib/faces/pipeline';
import { encodedToRgb } from '../lib/faces/crop';
import { BACKBONE_ID, describe, FEATURE_DIM } from '../lib/ml/backbone';
import { headInput, type HeadMeta } from '../lib/ml/classify';
import { getTf } from '../lib/ml/tf';

const FIXTURES = path.join(__dirname, '..', 'tests', 'fixtures', 'facemask');
export const FIXTURE_CLASSES = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'] as const;

/** Trains the head, saves it under `modelsDir`, records a promoted succeeded Run. Returns the run id. */
export async function createPromotedFixtureModel(databaseUrl: string, modelsDir: string, opts: { seed?: number } = {}): Promise<string> {
  const tf = await getTf();
  const useAge = true;
  const x: Float32Array[] = [];
  const y: number[] = [];
  for (const [k, cls] of FIXTURE_CLASSES.entries()) {
    const dir = path.join(FIXTURES, cls);
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort()) {
      const { samples } = await analysePhoto(fs.readFileSync(path.join(dir, f)));
      const rgb = await Promise.all(samples.map((s) => encodedToRgb(s.cropJpeg)));
      for (const mirror of [false, true]) {
        for (const d of await describe(rgb, { mirror })) {
          x.push(headInput(d.features, d.age, useAge));
          y.push(k);
        }
      }
    }
  }
  const dim = FEATURE_DIM + (useAge ? 1 : 0);
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
    const dir = path.join(modelsDir, run.id);
    fs.mkdirSync(dir, { recursive: true });
    await head.save(
      tf.io.withSaveHandler(async (a) => {
        const weights = a.weightData as ArrayBuffer;
        fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(weights));
        fs.writeFileSync(
          path.join(dir, 'model.json'),
          JSON.stringify({ format: 'layers-model', generatedBy: a.generatedBy, convertedBy: null, modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }),
        );
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    const preprocessing = { input: 'stored crop JPEG -> 224x224 RGB 0..255', l2: true as const, useAge, mirrorTta: false, dim };
    const meta: HeadMeta & Record<string, unknown> = {
      runId: run.id,
      classes: FIXTURE_CLASSES,
      backbone: BACKBONE_ID,
      preprocessing,
      head: { hidden: 0, note: 'e2e fixture head (e2e/fixture-model.ts)' },
      seed,
      createdAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
    await db.run.updateMany({ where: { promoted: true }, data: { promoted: false } });
    await db.run.update({ where: { id: run.id }, data: { status: 'succeeded', modelDir: dir, promoted: true, promotedAt: new Date(), finishedAt: new Date() } });
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
  createPromotedFixtureModel(url, path.resolve(modelsDir)).then(
    (id) => console.log(`promoted fixture model ${id}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
