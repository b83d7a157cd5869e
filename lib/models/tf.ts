/**
 * One-time TensorFlow.js backend initialisation for server code (tsx scripts, workers, Next.js routes).
 *
 * - `@tensorflow/tfjs-node` is an optional dependency: used when it can be loaded (native TF, fastest).
 * - Otherwise `@tensorflow/tfjs` + `@tensorflow/tfjs-backend-wasm` (SIMD, single thread in Node).
 * - The pure-JS `cpu` backend is never selected: it is ~50x slower than wasm for our models.
 *
 * Every TF module is loaded at run time with Node's own `require` (resolved from the project root), never
 * through a bundler: this file has no top-level side effects, Next.js does not try to bundle tfjs-node's
 * native addon, and tfjs-node, tfjs and the wasm backend all share the one `@tensorflow/tfjs-core` instance
 * in node_modules (a bundled copy of tfjs-core would not see the backend registered by tfjs-node).
 */
import path from 'node:path';
import type { Tensor3D } from '@tensorflow/tfjs';
import { config } from '../config';
import type { RgbImage } from '../images';
import type { Tf } from '../inference/types';

type TfBackendName = 'tensorflow' | 'wasm';

/**
 * A lazily started, shared async singleton: `init` runs on the first call and its promise is reused;
 * a failure is not cached, so a later call retries (e.g. after a missing package or model is installed).
 */
export function lazyAsync<T>(init: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= init().catch((err: unknown) => {
      pending = null;
      throw err;
    });
    return pending;
  };
}

/** `require` resolving from the project root (the working directory), so it works from scripts and bundled routes. */
export function projectRequire(): NodeRequire {
  // Not `import { createRequire } from 'node:module'`: webpack (Next.js server bundles) rewrites
  // `createRequire(...)` calls into its own module system and the result was `undefined` there
  // ("a is not a function" on the first upload). The module object fetched at run time is opaque to it.
  const nodeModule = process.getBuiltinModule('node:module') as typeof import('node:module');
  return nodeModule.createRequire(path.join(process.cwd(), 'package.json'));
}

function tryRequire<T>(req: NodeRequire, id: string): T | null {
  try {
    return req(id) as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_DLOPEN_FAILED') return null;
    // tfjs-node installed but its native binding is broken: fall back to wasm rather than fail.
    if (id === '@tensorflow/tfjs-node') return null;
    throw err;
  }
}

async function init(): Promise<Tf> {
  const req = projectRequire();
  if (config().tfBackend !== 'wasm') {
    const tfNode = tryRequire<Tf>(req, '@tensorflow/tfjs-node');
    if (tfNode && (await tfNode.setBackend('tensorflow'))) {
      await tfNode.ready();
      return tfNode;
    }
  }
  const tf = tryRequire<Tf>(req, '@tensorflow/tfjs');
  if (!tf) throw new Error('@tensorflow/tfjs is not installed (run `npm install` in the project root).');
  let wasmMain: string;
  try {
    wasmMain = req.resolve('@tensorflow/tfjs-backend-wasm');
  } catch {
    throw new Error(
      'Neither @tensorflow/tfjs-node nor @tensorflow/tfjs-backend-wasm can be loaded; install one of them. ' +
        '(The pure-JS cpu backend is deliberately not used: it is far too slow.)',
    );
  }
  const wasm = req('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  // The package's main file lives in dist/, next to the .wasm binaries; the trailing slash matters.
  wasm.setWasmPaths(path.dirname(wasmMain) + path.sep);
  await withoutNewProcessHandlers(async () => {
    if (!(await tf.setBackend('wasm'))) throw new Error('Failed to initialise the TensorFlow.js wasm backend.');
    await tf.ready();
  });
  return tf;
}

/**
 * The Emscripten glue of the wasm backend installs process-wide `uncaughtException`/`unhandledRejection`
 * handlers that rethrow (printing the whole minified glue file with every later crash). Node already
 * crashes on both by default, so remove whatever handlers `fn` added and keep the host's behaviour.
 */
async function withoutNewProcessHandlers(fn: () => Promise<void>): Promise<void> {
  const listeners = () => [
    ...process.listeners('uncaughtException').map((l) => ['uncaughtException', l] as const),
    ...process.listeners('unhandledRejection').map((l) => ['unhandledRejection', l] as const),
  ];
  const before = new Set(listeners().map(([, l]) => l));
  try {
    await fn();
  } finally {
    for (const [event, l] of listeners()) if (!before.has(l)) process.removeListener(event, l);
  }
}

/** The initialised TensorFlow.js module (same instance on every call). */
export const getTf: () => Promise<Tf> = lazyAsync(init);

/** Name of the active backend ('tensorflow' for tfjs-node, 'wasm' otherwise). Call after `getTf()`. */
export async function backendName(): Promise<TfBackendName> {
  const tf = await getTf();
  return tf.getBackend() as TfBackendName;
}

/** A decoded image (`decodeImage` in lib/images) as an int32 RGB tensor [h, w, 3]; the caller disposes it. */
export function rgbTensor(tf: Tf, image: RgbImage): Tensor3D {
  const { data, width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`invalid image size ${width}x${height}`);
  }
  if (data.length !== width * height * 3) throw new Error(`expected ${width * height * 3} RGB bytes for ${width}x${height}, got ${data.length}`);
  return tf.tensor3d(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), [height, width, 3], 'int32');
}
