/**
 * The pretrained model files the browser preview downloads, as the app serves them: BlazeFace as shipped,
 * faceres with the relu6 fusion already applied (the browser's wasm backend runs it about twice as fast),
 * and the tfjs wasm binaries. URLs carry `servedModelsVersion()`, so responses are cached as immutable.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { lazyAsync, projectRequire } from './tf';
import { DETECTOR_MODEL_FILE } from '../inference/blazeface';
import { BACKBONE_ID, FACERES_MODEL_FILE } from '../inference/backbone';
import type { ModelMeta } from '../inference/meta';
import { fuseRelu6 } from './fuse-relu6';
import { findModelFile, readModelArtifacts } from './load-graph';

/** Changes whenever a served byte could change (backbone weights, preprocessing, fusion, tfjs version). */
export function servedModelsVersion(): string {
  const tfjs = (projectRequire()('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version;
  return `${BACKBONE_ID}-f1-tfjs${tfjs}`;
}

export interface ServedFile {
  body: Uint8Array;
  contentType: string;
}

const json = (v: unknown): ServedFile => ({ body: new TextEncoder().encode(JSON.stringify(v)), contentType: 'application/json' });
const bin = (b: Uint8Array): ServedFile => ({ body: b, contentType: 'application/octet-stream' });

/** faceres rewritten by `fuseRelu6`, as a graph-model folder: faceres.json + faceres.bin. */
const fusedFaceres = lazyAsync(async (): Promise<{ json: ServedFile; bin: ServedFile }> => {
  const jsonPath = findModelFile(FACERES_MODEL_FILE);
  const original = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as Record<string, unknown>;
  const { artifacts } = fuseRelu6(await readModelArtifacts(jsonPath));
  const model = {
    ...original,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['faceres.bin'], weights: artifacts.weightSpecs }],
  };
  return { json: json(model), bin: bin(new Uint8Array(artifacts.weightData as ArrayBuffer)) };
});

/**
 * The graph models a model's inference loads, by `InferenceModels` key, each as its served files (model JSON
 * first, then its weights), for the backbone the model's meta names. The one list of pretrained files the
 * exported model bundle carries (lib/models/bundle.ts). Throws for a backbone this server does not have.
 */
export function inferenceGraphFiles(meta: Pick<ModelMeta, 'backbone'>): Record<string, string[]> {
  if (meta.backbone !== BACKBONE_ID) {
    throw new Error(`The model was trained on backbone ${meta.backbone}, this server has ${BACKBONE_ID}: retrain and promote a model.`);
  }
  return { detector: ['blazeface.json', 'blazeface.bin'], faceres: ['faceres.json', 'faceres.bin'] };
}

/** A served backbone/detector file by name, or null for any other name. */
async function backboneFile(name: string): Promise<ServedFile | null> {
  switch (name) {
    case 'blazeface.json':
      return { body: await fs.readFile(findModelFile(DETECTOR_MODEL_FILE)), contentType: 'application/json' };
    case 'blazeface.bin':
      return bin(await fs.readFile(findModelFile(DETECTOR_MODEL_FILE.replace(/\.json$/, '.bin'))));
    case 'faceres.json':
      return (await fusedFaceres()).json;
    case 'faceres.bin':
      return (await fusedFaceres()).bin;
    default:
      return null;
  }
}

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** A served file (backbone, detector, TF.js script or wasm binary) by name, or null. */
export async function staticModelFile(name: string): Promise<ServedFile | null> {
  return (await backboneFile(name)) ?? (await wasmFile(name)) ?? (await scriptFile(name));
}

/**
 * TF.js and its wasm backend as their own prebuilt browser bundles (global `tf`, `tf.wasm`). Bundling the wasm
 * backend with the app breaks its multi-threaded build (the minifier renames what the inlined worker needs).
 */
const SCRIPT_FILES: Record<string, string> = {
  'tf.min.js': '@tensorflow/tfjs/dist/tf.min.js',
  'tf-backend-wasm.min.js': '@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js',
};

export async function scriptFile(name: string): Promise<ServedFile | null> {
  const id = SCRIPT_FILES[name];
  if (!id) return null;
  return { body: await fs.readFile(projectRequire().resolve(id)), contentType: 'text/javascript; charset=utf-8' };
}

/** A tfjs wasm binary by name, or null. */
async function wasmFile(name: string): Promise<ServedFile | null> {
  if (!WASM_FILES.includes(name)) return null;
  const dir = path.dirname(projectRequire().resolve('@tensorflow/tfjs-backend-wasm'));
  return { body: await fs.readFile(path.join(dir, name)), contentType: 'application/wasm' };
}
