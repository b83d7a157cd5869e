/**
 * The entry of the exported model bundle's JavaScript module (`model/masklab-classify.mjs`): esbuild compiles
 * this file and the lib/inference code it reaches into one ES module (`buildClassifyModule` in
 * lib/models/bundle.ts), so the bundle runs the app's own inference path (`classifyImage`: BlazeFace, the crop
 * rule, faceres, `headInput`, the head, mirror averaging) without masklab, in a browser or in Node.
 *
 * No imports at run time: the caller passes TensorFlow.js (`load({ tf })`, or a global `tf` from a script
 * tag). Files are read from the folder of the module (or `from`): with `fetch` for http(s) URLs, with
 * Node's fs (through `process.getBuiltinModule`, Node 20.16+) for a folder path or a file: URL.
 * Browser-safe like all of lib/inference (the app never runs this file itself).
 */
import type * as TF from '@tensorflow/tfjs';
import { classifyImage, type ClassifyOptions, type FaceResult, type InferenceModels } from './classify';
import type { ModelMeta } from './meta';
import type { Tf } from './types';
import { readArtifacts, type ReadFile } from './artifacts';

/** Version of the bundle layout (meta.json `bundle`); bump when files or their meaning change. */
export const BUNDLE_FORMAT = 1;

/** What a bundle's meta.json adds to the model's meta (`ModelMeta`). */
export interface BundleInfo {
  format: number;
  /** The graph models inference loads → model JSON file: `detector`, `faceres`, and for the accurate backbone `deep` and `gear` (`InferenceModels.extra`). */
  graphs: Record<string, string>;
  /** The trained head (a TF.js layers model). */
  head: string;
  /** Square input sizes in pixels (informational: the module applies them itself). */
  inputSizes: Record<string, number>;
  /** The face-detection and crop settings the app uses (informational, as above). */
  detect: Record<string, number>;
  rule: Record<string, number>;
  masklabVersion?: string;
  exportedAt: string;
}

export type BundleMeta = ModelMeta & { bundle: BundleInfo };

/** Reads one file of the bundle by name. */
export type { ReadFile } from './artifacts';

/** RGBA (as `ImageData`) or packed RGB bytes, row-major. */
export interface PixelsLike {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

/** An image: `{ data, width, height }` (RGBA like ImageData, or RGB), a tf tensor [h, w, 3], or (browser) anything `tf.browser.fromPixels` takes. */
export type ImageInput = PixelsLike | TF.Tensor3D | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | ImageBitmap | OffscreenCanvas;

export interface Classifier {
  meta: BundleMeta;
  /** Every face of the image, left to right: `{ box, wholeImage, score, probs, label, confidence }`. */
  classify(image: ImageInput, opts?: ClassifyOptions): Promise<FaceResult[]>;
  dispose(): void;
}

type NodeFs = { readFile: (p: string | URL) => Promise<Uint8Array> };
type NodePath = { join: (...p: string[]) => string };
type NodeProcess = { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };

function nodeProcess(): NodeProcess | null {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node ? p : null;
}

function builtin<T>(id: string): T {
  const p = nodeProcess();
  const m = p?.getBuiltinModule?.(id);
  if (!m) throw new Error(`Reading a model folder needs Node.js 20.16 or later (process.getBuiltinModule('${id}'))`);
  return m as T;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]+:/i; // a scheme, not a Windows drive letter ("C:")

/** A reader for a folder: an http(s) or file URL (fetch / fs), or a path in Node. */
export function folderReader(from: string | URL): ReadFile {
  const node = nodeProcess();
  if (typeof from === 'string' && !URL_LIKE.test(from)) {
    if (node) {
      const dir = from;
      return async (name) => builtin<NodeFs>('node:fs/promises').readFile(builtin<NodePath>('node:path').join(dir, name));
    }
    from = new URL(from, (globalThis as { location?: { href: string } }).location?.href);
  }
  const base = new URL(from.toString());
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return async (name) => {
    const url = new URL(name, base);
    if (url.protocol === 'file:') return builtin<NodeFs>('node:fs/promises').readFile(url);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`Could not load ${url.href} (HTTP ${res.status})`);
    return new Uint8Array(await res.arrayBuffer());
  };
}


const handler = (artifacts: TF.io.ModelArtifacts): TF.io.IOHandler => ({ load: async () => artifacts });

function isTensor(tf: Tf, x: unknown): x is TF.Tensor {
  return x instanceof tf.Tensor;
}

/**
 * The image as an int32 RGB tensor [h, w, 3] (and whether the caller of this function must dispose it).
 * RGBA pixels are flattened onto white, as the app's decoder and its preview do with transparent images.
 */
export function imageTensor(tf: Tf, image: ImageInput): { tensor: TF.Tensor3D; owned: boolean } {
  if (isTensor(tf, image)) {
    if (image.rank !== 3 || image.shape[2] !== 3) throw new Error(`expected an image tensor [height, width, 3], got [${image.shape.join(', ')}]`);
    return { tensor: image as TF.Tensor3D, owned: false };
  }
  const px = image as PixelsLike;
  if (px && typeof px.width === 'number' && typeof px.height === 'number' && px.data && typeof px.data.length === 'number') {
    const { width, height, data } = px;
    const n = width * height;
    if (!(Number.isInteger(width) && Number.isInteger(height) && n > 0)) throw new Error(`invalid image size ${width}x${height}`);
    const channels = data.length / n;
    if (channels !== 3 && channels !== 4) throw new Error(`expected RGBA or RGB pixels: ${data.length} values for ${width}x${height}`);
    const rgb = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      if (channels === 3) {
        rgb[i * 3] = data[i * 3];
        rgb[i * 3 + 1] = data[i * 3 + 1];
        rgb[i * 3 + 2] = data[i * 3 + 2];
      } else {
        const a = data[i * 4 + 3];
        for (let c = 0; c < 3; c++) rgb[i * 3 + c] = a === 255 ? data[i * 4 + c] : Math.round((data[i * 4 + c] * a + 255 * (255 - a)) / 255);
      }
    }
    return { tensor: tf.tensor3d(rgb, [height, width, 3], 'int32'), owned: true };
  }
  if (!tf.browser?.fromPixels) throw new Error('unsupported image: pass { data, width, height } pixels or a tensor [height, width, 3]');
  return { tensor: tf.browser.fromPixels(image as HTMLImageElement) as TF.Tensor3D, owned: true };
}

export interface LoadOptions {
  /** TensorFlow.js (`import * as tf from '@tensorflow/tfjs'`); default: a global `tf`. */
  tf?: Tf;
  /** The bundle folder: a URL, or a path in Node. Default: the folder of this module. */
  from?: string | URL;
  /** Or a function reading a bundle file by name. */
  read?: ReadFile;
}

/** Loads the bundle's models: the detector, the backbone and the head, as listed in its meta.json. */
export async function load(opts: LoadOptions = {}): Promise<Classifier> {
  const tf = opts.tf ?? (globalThis as { tf?: Tf }).tf;
  if (!tf) throw new Error('Pass TensorFlow.js: load({ tf }) with tf from @tensorflow/tfjs (or load its script tag first)');
  const read = opts.read ?? folderReader(opts.from ?? new URL('./', import.meta.url));
  const meta = JSON.parse(new TextDecoder().decode(await read('meta.json'))) as BundleMeta;
  if (!meta.bundle || meta.bundle.format !== BUNDLE_FORMAT) throw new Error(`meta.json is not a masklab model bundle of format ${BUNDLE_FORMAT}`);
  const graphs: Record<string, TF.GraphModel> = {};
  for (const [key, file] of Object.entries(meta.bundle.graphs)) graphs[key] = await tf.loadGraphModel(handler(await readArtifacts(read, file)));
  const head = await tf.loadLayersModel(handler(await readArtifacts(read, meta.bundle.head)));
  const { detector, faceres, deep, gear } = graphs;
  const models: InferenceModels = { detector, faceres, extra: deep && gear ? { deep, gear } : null, head, meta };
  return {
    meta,
    async classify(image, classifyOpts) {
      const { tensor, owned } = imageTensor(tf, image);
      try {
        return await classifyImage(tf, models, tensor, classifyOpts);
      } finally {
        if (owned) tensor.dispose();
      }
    },
    dispose() {
      for (const g of Object.values(graphs)) g.dispose();
      head.dispose();
    },
  };
}
