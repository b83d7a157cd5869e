/**
 * The model bundle: everything needed to classify faces without masklab, as the `model/` folder of an export
 * (lib/export/export.ts) or any folder (`writeModelBundle`):
 *   - the graph models inference loads (`inferenceGraphFiles`: BlazeFace, faceres relu6-fused, exactly the files
 *     the browser preview downloads; a model whose meta names more backbone files gets them too);
 *   - the trained head as `head.json` + `head.bin` (a TF.js layers model);
 *   - `meta.json`: the run's meta (classes, preprocessing, metrics, the run) plus `bundle` (which file is what,
 *     input sizes, detection settings);
 *   - `masklab-classify.mjs`: lib/inference/bundle.ts and the inference code it reaches, compiled by esbuild into
 *     one dependency-free ES module (TF.js is passed in), so the bundle runs the app's own code, not a copy;
 *   - `README.md`: how to use it in a browser and in Node.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { DETECT_DEFAULTS, DETECTOR_INPUT_SIZE } from '../inference/blazeface';
import { BUNDLE_FORMAT, type BundleMeta } from '../inference/bundle';
import type { ModelMeta } from '../inference/meta';
import { BACKBONE_INPUT_SIZE, GEAR_INPUT_SIZE, SAMPLE_RULE } from '../inference/preprocess';
import { inferenceGraphFiles, staticModelFile } from './served-files';
import { lazyAsync } from './tf';
import { masklabVersion } from '../config';

export const BUNDLE_MODULE = 'masklab-classify.mjs';

export interface BundleEntry {
  name: string;
  read: () => Promise<Uint8Array>;
}

/** The model a bundle is made of: a run's model folder (model.json, weights.bin, meta.json) and its meta. */
export interface BundleSource {
  runId: string;
  dir: string;
  meta: ModelMeta;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** `masklab-classify.mjs`, compiled once per process from lib/inference/bundle.ts. */
export const buildClassifyModule = lazyAsync(async (): Promise<Uint8Array> => {
  const out = await build({
    entryPoints: [path.join(ROOT, 'lib', 'inference', 'bundle.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    write: false,
    external: ['@tensorflow/tfjs'],
    legalComments: 'none',
    logLevel: 'silent',
    banner: {
      js: `// masklab-classify.mjs: masklab ${masklabVersion()}'s inference path (lib/inference), compiled by esbuild. Usage: README.md.\n// const model = await load({ tf }); const faces = await model.classify(image);`,
    },
  });
  return out.outputFiles[0].contents;
});

/** The bundle's meta.json: the model's meta and where each part is. */
export function bundleMeta(src: BundleSource): BundleMeta {
  const graphs = inferenceGraphFiles(src.meta);
  return {
    ...src.meta,
    runId: src.runId,
    bundle: {
      format: BUNDLE_FORMAT,
      graphs: Object.fromEntries(Object.entries(graphs).map(([k, files]) => [k, files[0]])),
      head: 'head.json',
      inputSizes: { detector: DETECTOR_INPUT_SIZE, backbone: BACKBONE_INPUT_SIZE, ...(graphs.gear ? { gear: GEAR_INPUT_SIZE } : {}) },
      detect: { ...DETECT_DEFAULTS },
      rule: { ...SAMPLE_RULE },
      masklabVersion: masklabVersion(),
      exportedAt: new Date().toISOString(),
    },
  };
}

/** The head's model.json with its weights renamed to head.bin (one shard). */
function headEntries(dir: string): BundleEntry[] {
  const json = () => JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[]; weights: unknown[] }[] };
  return [
    {
      name: 'head.json',
      read: async () => {
        const m = json();
        const weights = m.weightsManifest.flatMap((g) => g.weights);
        return Buffer.from(JSON.stringify({ ...m, weightsManifest: [{ paths: ['head.bin'], weights }] }));
      },
    },
    { name: 'head.bin', read: async () => Buffer.concat(json().weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFileSync(path.join(dir, p)))) },
  ];
}

/** Every file of the bundle, in order; each is read only when asked for. */
export function bundleEntries(src: BundleSource): BundleEntry[] {
  const meta = bundleMeta(src);
  const pretrained = Object.values(inferenceGraphFiles(src.meta)).flat();
  return [
    { name: 'meta.json', read: async () => Buffer.from(JSON.stringify(meta, null, 2) + '\n') },
    { name: BUNDLE_MODULE, read: buildClassifyModule },
    { name: 'README.md', read: async () => Buffer.from(bundleReadme(meta)) },
    ...headEntries(src.dir),
    ...pretrained.map((name) => ({
      name,
      read: async () => {
        const f = await staticModelFile(name);
        if (!f) throw new Error(`pretrained model file ${name} is not available`);
        return f.body;
      },
    })),
  ];
}

/** Writes the bundle into `outDir` (created). Returns the file names. */
export async function writeModelBundle(src: BundleSource, outDir: string): Promise<string[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const names: string[] = [];
  for (const e of bundleEntries(src)) {
    fs.writeFileSync(path.join(outDir, e.name), await e.read());
    names.push(e.name);
  }
  return names;
}

function bundleReadme(meta: BundleMeta): string {
  const pct = (x: unknown) => (typeof x === 'number' ? `${(100 * x).toFixed(1)}%` : 'n/a');
  const m = (meta.metrics ?? {}) as Record<string, unknown>;
  return `# masklab model bundle

Classifies every face of a photo into ${meta.classes.map((c) => `\`${c}\``).join(', ')}: run \`${meta.runId ?? '?'}\`
(test accuracy ${pct(m.accuracy)}, macro-F1 ${pct(m.macroF1)}), exported ${meta.bundle.exportedAt} by masklab ${meta.bundle.masklabVersion}.
It runs the same code as masklab's preview and predict API: BlazeFace finds the faces (input ${meta.bundle.inputSizes.detector} px), each face is
cropped with a ${Math.round(100 * (meta.bundle.rule.margin ?? 0))}% margin and resized to ${meta.bundle.inputSizes.backbone} px, the faceres backbone (relu6-fused) gives
L2-normalised features${meta.preprocessing.useAge ? ' and an age estimate' : ''}, and the head gives the class probabilities${meta.preprocessing.mirrorTta ? ', averaged with the mirrored crop' : ''}.
The only dependency is TensorFlow.js (\`@tensorflow/tfjs\` 4.x), which you pass in.

| file | what |
|---|---|
| \`${BUNDLE_MODULE}\` | \`load({ tf, from? })\` → \`{ classify(image) → [{ box, wholeImage, score, probs, label, confidence }], meta, dispose() }\` |
| \`meta.json\` | classes (softmax order), preprocessing, input sizes, test metrics, the run |
| ${Object.values(meta.bundle.graphs).map((f) => `\`${f}\``).join(', ')} (+ \`.bin\`) | detector and backbone (TF.js graph models) |
| \`head.json\`, \`head.bin\` | the trained head (TF.js layers model) |

\`image\` is \`{ data, width, height }\` with RGBA (an \`ImageData\`) or RGB bytes, a tf tensor \`[height, width, 3]\`, or in a
browser an \`<img>\`, \`<canvas>\`, \`<video>\` or \`ImageBitmap\`. \`box\` is \`{ x, y, w, h }\` in pixels of the image;
\`probs\` maps each class to its probability. A close-up of one face (or no face found) gives one whole-image result.

## Browser

Serve this folder next to your page (the module loads its files from its own URL):

\`\`\`html
<script type="module">
  import * as tf from 'https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@4.22.0/+esm';
  import { load } from './model/${BUNDLE_MODULE}';

  const model = await load({ tf });
  const img = document.querySelector('img');
  await img.decode();
  const faces = await model.classify(img);
  for (const f of faces) console.log(f.label, f.probs[f.label].toFixed(3), f.box);
</script>
\`\`\`

## Node.js (20.16 or later)

\`\`\`js
// npm install @tensorflow/tfjs sharp   (faster: @tensorflow/tfjs-node, or @tensorflow/tfjs-backend-wasm)
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { load } from './model/${BUNDLE_MODULE}';

const model = await load({ tf }); // reads the files next to the module
const { data, info } = await sharp('group.jpg').rotate().flatten({ background: '#fff' }).toColourspace('srgb')
  .removeAlpha().raw().toBuffer({ resolveWithObject: true }); // upright RGB, as masklab decodes
const faces = await model.classify({ data, width: info.width, height: info.height });
console.log(JSON.stringify(faces, null, 2));
\`\`\`

Another folder: \`load({ tf, from: '/path/to/model' })\` (or a URL). With plain \`@tensorflow/tfjs\` Node runs the
slow pure-JavaScript backend; for speed \`import '@tensorflow/tfjs-backend-wasm'\` and \`await tf.setBackend('wasm')\`
(what masklab itself uses), or use \`@tensorflow/tfjs-node\` as \`tf\`. Backends differ in the last float digits only.
`;
}
