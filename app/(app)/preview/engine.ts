// Browser side of the preview: TF.js (webgl, falling back to wasm) and the three models, loaded from the
// app's own routes. Inference itself is `classifyImage` from lib/inference/classify.ts, as on the server.
import type * as TF from '@tensorflow/tfjs';
import { CLASS_COLORS, CLASS_NAMES, type Label } from '@/lib/classes';
import type { ExtraBackbones, InferenceModels } from '@/lib/inference/classify';
import type { ModelMeta } from '@/lib/inference/meta';
import type { Tf } from '@/lib/inference/types';
export type BackendChoice = 'auto' | 'webgl' | 'wasm';

/** What /api/models/promoted answers. */
export interface PromotedInfo {
  model: {
    runId: string;
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

type WasmApi = { setWasmPaths: (prefix: string) => void; setThreadsCount?: (n: number) => void };

/**
 * Loads TF.js (the prebuilt browser bundles the app serves under `base`) on the first backend of the choice
 * that initialises; returns it and the backend's name. The page is cross-origin isolated, so the wasm backend
 * runs multi-threaded where the browser allows it.
 */
export async function loadTf(choice: BackendChoice, base: string): Promise<{ tf: Tf; backend: string }> {
  const w = window as unknown as { tf?: Tf & { wasm?: WasmApi } };
  if (!w.tf?.wasm) {
    await loadScript(`${base}tf.min.js`);
    await loadScript(`${base}tf-backend-wasm.min.js`);
  }
  const tf = w.tf!;
  const threads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  tf.wasm!.setWasmPaths(new URL(base, window.location.href).href);
  tf.wasm!.setThreadsCount?.(threads);
  const order = choice === 'auto' ? ['webgl', 'wasm'] : [choice];
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { tf, backend: name === 'wasm' && threads > 1 ? `wasm (${threads} threads)` : name };
      }
    } catch {
      // try the next backend
    }
  }
  throw new Error(`None of the TensorFlow.js backends ${order.join(', ')} could start in this browser.`);
}

export interface Backbone {
  detector: TF.GraphModel;
  faceres: TF.GraphModel;
}

export async function loadBackbone(tf: Tf, files: PromotedInfo['files']): Promise<Backbone> {
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
