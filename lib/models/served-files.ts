/**
 * The pretrained model files the browser preview downloads, as the app serves them: BlazeFace as shipped,
 * faceres with the relu6 fusion already applied (the browser's wasm backend runs it about twice as fast),
 * for models on the accurate backbone also faceres-deep (relu6-fused too) and gear (as shipped, it has no
 * relu6), and the tfjs wasm binaries. URLs carry `servedModelsVersion()`, so responses are cached as immutable.
 * This is the one list of served model files (`GRAPH_FILES`).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { lazyAsync, projectRequire } from './tf';
import { DETECTOR_MODEL_FILE } from '../inference/blazeface';
import {
  ACCURATE_BACKBONE_ID,
  type BackboneKind,
  BACKBONE_ID,
  backboneId,
  backboneKindOf,
  compatibleKindOf,
  FACERES_DEEP_MODEL_FILE,
  FACERES_MODEL_FILE,
  GEAR_MODEL_FILE,
} from '../inference/backbone';
import type { ModelMeta } from '../inference/meta';
import { fuseRelu6 } from './fuse-relu6';
import { findModelFile, readModelArtifacts } from './load-graph';

/** Changes whenever a served byte could change (backbone weights, preprocessing, fusion, tfjs version). */
export function servedModelsVersion(): string {
  const tfjs = (projectRequire()('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version;
  return `${BACKBONE_ID}-${ACCURATE_BACKBONE_ID.split('-').slice(2, 4).join('-')}-f1-tfjs${tfjs}`;
}

/**
 * The graph models inference loads, per backbone kind, by key (`InferenceModels`: `detector`, `faceres`; the
 * accurate backbone's `deep` and `gear` go to `InferenceModels.extra`), each as its served files: model JSON
 * first, then its weights. The one list of pretrained files a browser or an exported bundle needs.
 */
const FAST_GRAPHS = { detector: ['blazeface.json', 'blazeface.bin'], faceres: ['faceres.json', 'faceres.bin'] };
const GRAPH_FILES: Record<BackboneKind, Record<string, readonly string[]>> = {
  faceres: FAST_GRAPHS,
  'faceres+deep': { ...FAST_GRAPHS, deep: ['faceres-deep.json', 'faceres-deep.bin'], gear: ['gear.json', 'gear.bin'] },
};

/** URLs (under `base`) of the accurate backbone's extra models when the meta needs them, else null. */
export function extraBackboneFiles(meta: Pick<ModelMeta, 'backboneKind'>, base: string): { deep: string; gear: string } | null {
  const { deep, gear } = GRAPH_FILES[backboneKindOf(meta)];
  return deep && gear ? { deep: `${base}${deep[0]}`, gear: `${base}${gear[0]}` } : null;
}

export interface ServedFile {
  body: Uint8Array;
  contentType: string;
}

const json = (v: unknown): ServedFile => ({ body: new TextEncoder().encode(JSON.stringify(v)), contentType: 'application/json' });
const bin = (b: Uint8Array): ServedFile => ({ body: b, contentType: 'application/octet-stream' });

/** A graph model rewritten by `fuseRelu6`, as a graph-model folder: <name>.json + <name>.bin. */
const fused = (file: string) =>
  lazyAsync(async (): Promise<{ json: ServedFile; bin: ServedFile }> => {
    const jsonPath = findModelFile(file);
    const original = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as Record<string, unknown>;
    const { artifacts } = fuseRelu6(await readModelArtifacts(jsonPath));
    const model = {
      ...original,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [file.replace(/\.json$/, '.bin')], weights: artifacts.weightSpecs }],
    };
    return { json: json(model), bin: bin(new Uint8Array(artifacts.weightData as ArrayBuffer)) };
  });
const fusedFaceres = fused(FACERES_MODEL_FILE);
const fusedDeep = fused(FACERES_DEEP_MODEL_FILE);

/**
 * The graph models a model's inference loads (`GRAPH_FILES` of its backbone kind). The exported model bundle
 * carries exactly these (lib/models/bundle.ts). Throws for a model trained on features this server does not compute.
 */
export function inferenceGraphFiles(meta: Pick<ModelMeta, 'backbone' | 'backboneKind'>): Record<string, string[]> {
  const kind = compatibleKindOf(meta);
  if (!kind) {
    throw new Error(`The model was trained on backbone ${meta.backbone}, this server has ${backboneId(backboneKindOf(meta))}: retrain and promote a model.`);
  }
  return Object.fromEntries(Object.entries(GRAPH_FILES[kind]).map(([k, files]) => [k, [...files]]));
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
    case 'faceres-deep.json':
      return (await fusedDeep()).json;
    case 'faceres-deep.bin':
      return (await fusedDeep()).bin;
    case 'gear.json':
      return { body: await fs.readFile(findModelFile(GEAR_MODEL_FILE)), contentType: 'application/json' };
    case 'gear.bin':
      return bin(await fs.readFile(findModelFile(GEAR_MODEL_FILE.replace(/\.json$/, '.bin'))));
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
