/**
 * Loads the frozen face backbone (faceres, HSE FaceRes, shipped by @vladmandic/human) on the server, once,
 * with the relu6 fusion rewrite, after checking its weights are the ones BACKBONE_ID names. Running it is
 * `describeBoxes` in lib/inference/classify.ts.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { GraphModel } from '@tensorflow/tfjs';
import { FACERES_MODEL_FILE, FACERES_WEIGHTS_SHA256 } from '../inference/backbone';
import { fuseRelu6 } from './fuse-relu6';
import { fileModelHandler, findModelFile } from './load-graph';
import { getTf, lazyAsync } from './tf';

const loadFused = lazyAsync(async (): Promise<GraphModel> => {
  const tf = await getTf();
  const jsonPath = findModelFile(FACERES_MODEL_FILE);
  const bin = await fs.readFile(jsonPath.replace(/\.json$/, '.bin'));
  const sha = createHash('sha256').update(bin).digest('hex');
  if (sha !== FACERES_WEIGHTS_SHA256) {
    throw new Error(
      `faceres.bin (${jsonPath}) has sha256 ${sha}, expected ${FACERES_WEIGHTS_SHA256}. ` +
        'The backbone weights changed (new @vladmandic/human?): update FACERES_WEIGHTS_SHA256 in ' +
        'lib/inference/backbone.ts, which changes BACKBONE_ID, and recompute stored features.',
    );
  }
  return tf.loadGraphModel(fileModelHandler(jsonPath, (a) => fuseRelu6(a).artifacts));
});

/**
 * faceres with the relu6 fusion, loaded once. `fuse: false` loads a fresh copy of the graph as shipped
 * (slower on wasm; the model-io tests check the two give the same outputs).
 */
export async function loadFaceres(opts: { fuse?: boolean } = {}): Promise<GraphModel> {
  if (opts.fuse !== false) return loadFused();
  const tf = await getTf();
  return tf.loadGraphModel(fileModelHandler(findModelFile(FACERES_MODEL_FILE)));
}
