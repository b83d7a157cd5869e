// Browser side of the preview: TF.js (on the backend ./backend.ts picks) and the three models, loaded from the
// app's own routes. Inference itself is `classifyImage` from lib/inference/classify.ts, as on the server.
import type * as TF from '@tensorflow/tfjs';
import { CLASS_COLORS, CLASS_NAMES, type Label } from '@/lib/classes';
import type { ExtraBackbones, InferenceModels } from '@/lib/inference/classify';
import type { ModelMeta } from '@/lib/inference/meta';
import type { Tf } from '@/lib/inference/types';
import { type BackendChoice, type BackendName, FIRST_INFERENCE_LIMIT_MS, planBackend, webglRenderer, within } from './backend';

/** What /api/models/promoted answers. */
export interface PromotedInfo {
  model: {
    runId: string;
    /** "Run 7 · 7 Dec". */
    title: string;
    meta: ModelMeta;
    headUrl: string;
    compatible: boolean;
    promotedAt: string | null;
    /** The accurate backbone's extra models (faceres-deep, gear) when this head needs them. */
    extraFiles?: { deep: string; gear: string } | null;
  } | null;
  backboneId: string;
  files: { detector: string; backbone: string; wasm: string };
}

export async function fetchPromoted(): Promise<PromotedInfo> {
  const res = await fetch('/api/models/promoted', { cache: 'no-store' });
  if (!res.ok) throw new Error(`Could not ask which model is promoted (HTTP ${res.status})`);
  return (await res.json()) as PromotedInfo;
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src;
    el.async = false;
    el.onload = () => resolve();
    el.onerror = () => reject(new Error(`Could not load ${src}`));
    document.head.appendChild(el);
  });
}

type WasmApi = { setWasmPaths: (prefix: string) => void; setThreadsCount?: (n: number) => void; getThreadsCount?: () => number };

/**
 * Loads TF.js (the prebuilt browser bundles the app serves under `base`) and configures its wasm backend.
 * The page is cross-origin isolated, so wasm may run multi-threaded; TF.js itself uses at most half the
 * browser's logical cores (one thread on a 2-core machine). The camera detects and classifies in workers of its
 * own (./live-models.ts).
 */
async function loadTfScripts(base: string): Promise<{ tf: Tf; threads: () => number }> {
  const w = window as unknown as { tf?: Tf & { wasm?: WasmApi } };
  if (!w.tf?.wasm) {
    await loadScript(`${base}tf.min.js`);
    await loadScript(`${base}tf-backend-wasm.min.js`);
  }
  const tf = w.tf!;
  const wasmApi = tf.wasm!;
  wasmApi.setWasmPaths(new URL(base, window.location.href).href);
  if (self.crossOriginIsolated) wasmApi.setThreadsCount?.(Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)));
  // The threads wasm really runs (known once the backend started).
  const threads = () => {
    try {
      return wasmApi.getThreadsCount?.() ?? 1;
    } catch {
      return 1;
    }
  };
  return { tf, threads };
}

async function switchBackend(tf: Tf, name: BackendName): Promise<boolean> {
  try {
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    return true;
  } catch {
    return false;
  }
}

/** One detector pass and one face through the backbone on blank input; resolves with its milliseconds. */
async function runBackbone(tf: Tf, b: Backbone): Promise<number> {
  const t0 = performance.now();
  const outs = tf.tidy(() => [
    ...(b.detector.execute(tf.zeros([1, 256, 256, 3])) as TF.Tensor[]),
    ...(b.faceres.execute(tf.zeros([1, 224, 224, 3])) as TF.Tensor[]),
  ]);
  try {
    await Promise.all(outs.map((t) => t.data()));
  } finally {
    tf.dispose(outs);
  }
  return performance.now() - t0;
}

export interface Engine {
  tf: Tf;
  /** The backend running, as shown ("wasm (2 threads)", "webgl"). */
  backend: string;
  /** Why it was chosen, in words. */
  reason: string;
  backbone: Backbone;
}

/**
 * TF.js on the backend that is fast here (see ./backend.ts), with the detector and the backbone loaded and
 * warmed up on it. `onStatus` hears what is being tried.
 */
export async function startEngine(choice: BackendChoice, files: PromotedInfo['files'], onStatus: (s: string) => void = () => {}): Promise<Engine> {
  const { tf, threads } = await loadTfScripts(files.wasm);
  const label = (name: BackendName) => (name === 'wasm' ? `wasm (${threads()} thread${threads() === 1 ? '' : 's'})` : name);
  const on = async (name: BackendName): Promise<Backbone> => {
    if (!(await switchBackend(tf, name))) throw new Error(`the TensorFlow.js ${name} backend could not start in this browser`);
    return fetchBackbone(tf, files);
  };
  const wasm = async (reason: string): Promise<Engine> => {
    onStatus('Starting WebAssembly…');
    const backbone = await on('wasm');
    await runBackbone(tf, backbone);
    return { tf, backend: label('wasm'), reason, backbone };
  };

  if (choice !== 'auto') {
    const backbone = await on(choice);
    await runBackbone(tf, backbone);
    return { tf, backend: label(choice), reason: `chosen with ?backend=${choice}`, backbone };
  }
  const plan = planBackend(webglRenderer());
  if (plan.backend === 'wasm') return wasm(plan.reason);
  const gpu = plan.renderer;
  let webgl: Backbone;
  try {
    onStatus(`Trying WebGL (${gpu})…`);
    webgl = await on('webgl');
  } catch (err) {
    return wasm(`WebGL (${gpu}) did not start: ${(err as Error).message}`);
  }
  const first = await within(runBackbone(tf, webgl), FIRST_INFERENCE_LIMIT_MS).catch(() => 'failed' as const);
  if (first === 'timedOut' || first === 'failed') {
    // The WebGL models are left alone (freeing them would wait for the work still queued on the GPU).
    const why = first === 'failed' ? 'failed its first inference' : `took more than ${FIRST_INFERENCE_LIMIT_MS / 1000} s for its first inference`;
    return wasm(`switched from WebGL: it ${why} (${gpu})`);
  }
  // Warm on both, timed: the faster stays.
  const webglMs = await runBackbone(tf, webgl);
  onStatus('Timing WebAssembly against WebGL…');
  const viaWasm = await wasm('');
  const wasmMs = await runBackbone(tf, viaWasm.backbone);
  const ms = `WebGL ${Math.round(webglMs)} ms, WebAssembly ${Math.round(wasmMs)} ms a frame`;
  if (wasmMs <= webglMs) {
    disposeBackbone(webgl);
    return { ...viaWasm, reason: `measured faster than WebGL on ${gpu} (${ms})` };
  }
  disposeBackbone(viaWasm.backbone);
  await switchBackend(tf, 'webgl');
  return { tf, backend: label('webgl'), reason: `GPU ${gpu}, measured faster than WebAssembly (${ms})`, backbone: webgl };
}

function disposeBackbone(b: Backbone) {
  b.detector.dispose();
  b.faceres.dispose();
}

export interface Backbone {
  detector: TF.GraphModel;
  faceres: TF.GraphModel;
}

export async function fetchBackbone(tf: Tf, files: PromotedInfo['files']): Promise<Backbone> {
  const [detector, faceres] = await Promise.all([tf.loadGraphModel(files.detector), tf.loadGraphModel(files.backbone)]);
  return { detector, faceres };
}

/** faceres-deep + gear, loaded once per URL pair (kept while heads on the accurate backbone come and go). */
let extraCache: { key: string; models: Promise<ExtraBackbones> } | null = null;
function loadExtra(tf: Tf, files: { deep: string; gear: string }): Promise<ExtraBackbones> {
  const key = `${files.deep} ${files.gear}`;
  if (extraCache?.key !== key) {
    const models = Promise.all([tf.loadGraphModel(files.deep), tf.loadGraphModel(files.gear)]).then(([deep, gear]) => ({ deep, gear }));
    extraCache = { key, models };
    models.catch(() => {
      if (extraCache?.key === key) extraCache = null;
    });
  }
  return extraCache.models;
}

/**
 * The promoted head, warmed up once with the backbone (the first run compiles shaders / allocates); for a head
 * on the accurate backbone also faceres-deep and gear.
 */
export async function loadModels(tf: Tf, backbone: Backbone, model: NonNullable<PromotedInfo['model']>): Promise<InferenceModels> {
  const [head, extra] = await Promise.all([tf.loadLayersModel(model.headUrl), model.extraFiles ? loadExtra(tf, model.extraFiles) : null]);
  const models: InferenceModels = { ...backbone, extra, head, meta: model.meta };
  const { classifyImage } = await import('@/lib/inference/classify');
  const blank = tf.zeros([64, 64, 3], 'int32') as TF.Tensor3D;
  try {
    await classifyImage(tf, models, blank);
  } finally {
    blank.dispose();
  }
  return models;
}

/** A class's colour: the theme's `--color-<class>` (mask_old -> --color-mask-old), else the vocabulary's. */
export function classColour(cls: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(`--color-${cls.replace(/_/g, '-')}`).trim();
  return v || CLASS_COLORS[cls as Label] || '#475569';
}

/** A class's display name ("Mask, old"), as every other page shows it; the raw name for unknown classes. */
export const className = (cls: string): string => CLASS_NAMES[cls as Label] ?? cls;
