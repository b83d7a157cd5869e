// The camera's detector and classifier, wherever they run. On WebAssembly each runs in its own Web Worker
// (./inference-worker.ts): detection on every frame and classification of the faces due then run at once on two
// cores, and the page's thread only draws. On WebGL (a GPU) both run on the page. Either way they go through
// ./frame-work.ts (lib/inference's `detectInTensor`, `classifyBoxes`), as a photo and the predict API do.
import type { InferenceMeta, InferenceModels } from '@/lib/inference/classify';
import type { Box, Detection } from '@/lib/inference/preprocess';
import type { Tf } from '@/lib/inference/types';
import type { PromotedInfo } from './engine';
import { classifyFrame, detectFrame } from './frame-work';

/** What a classification worker loads: absolute URLs (a worker resolves relative ones against its own script). */
export interface WorkerModel {
  faceres: string;
  extra: { deep: string; gear: string } | null;
  headUrl: string;
  meta: InferenceMeta;
}

/**
 * A frame for a worker (transferred): for the detector its pixels (read on the page: a worker reading an
 * ImageBitmap of a video frame took 10 ms even at 256 px), `tile` being which of the 2x2 tiles to scan besides the
 * whole frame, or null; for the classifier the frame as a bitmap (read only if it is used).
 */
export type FrameRequest =
  | { type: 'detect'; pixels: ImageData; tile: number | null }
  | { type: 'classify'; frame: ImageBitmap; boxes: Box[]; mirror: boolean };

export type ToWorker = { type: 'load-detector'; tfBase: string; url: string } | { type: 'load'; tfBase: string; model: WorkerModel } | (FrameRequest & { id: number });

export type FromWorker =
  | { type: 'loaded'; runId: string; threads: number }
  | { type: 'detections'; id: number; detections: Detection[]; ms: number }
  | { type: 'result'; id: number; runId: string; probs: Float32Array[]; ms: number }
  | { type: 'error'; id: number | null; message: string };

export interface FaceDetector {
  /** Faces in a frame (in its pixels), scanning also tile `tile` of the 2x2 grid when not null. */
  detect(pixels: ImageData, tile: number | null): Promise<{ detections: Detection[]; ms: number }>;
  dispose(): void;
}

export interface FaceClassifier {
  /** The run whose head answers now ('' before it is loaded). */
  readonly runId: string;
  /** Makes the promoted model the one that answers (resolves once it is loaded). */
  use(model: NonNullable<PromotedInfo['model']>): Promise<void>;
  /** Class probabilities (model class order) of boxes of a frame; closes the frame. */
  classify(frame: ImageBitmap, boxes: Box[], mirror: boolean): Promise<{ probs: Float32Array[]; runId: string; ms: number }>;
  dispose(): void;
}

export interface LiveModels {
  detector: FaceDetector;
  classifier: FaceClassifier;
  /** Where they run, as shown ("two workers (wasm, 1 thread each)"). */
  where: string;
}

const absolute = (url: string) => new URL(url, window.location.href).href;

/** A worker, its replies matched to requests. */
function workerClient() {
  const worker = new Worker(new URL('./inference-worker.ts', import.meta.url), { name: 'masklab-inference' });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (m: FromWorker) => void; reject: (e: Error) => void }>();
  let loading: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | null = null;
  let failed: Error | null = null;
  const failAll = (err: Error) => {
    failed = err;
    loading?.reject(err);
    loading = null;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.onerror = (e) => failAll(new Error(`a preview worker stopped: ${e.message || 'it could not start'}`));
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const msg = e.data;
    // A load's answer, or a frame request's (by id).
    const ofLoad = msg.type === 'loaded' || (msg.type === 'error' && msg.id === null);
    const to = ofLoad ? loading : waiting.get(msg.id!);
    if (ofLoad) loading = null;
    else waiting.delete(msg.id!);
    if (msg.type === 'error') to?.reject(new Error(msg.message));
    else to?.resolve(msg);
  };
  return {
    load: (msg: Extract<ToWorker, { type: 'load' | 'load-detector' }>) =>
      new Promise<Extract<FromWorker, { type: 'loaded' }>>((resolve, reject) => {
        if (failed) return reject(failed);
        loading = { resolve: resolve as (m: FromWorker) => void, reject };
        worker.postMessage(msg);
      }),
    /** Sends a frame request (the frame is transferred). */
    ask: <R extends FromWorker>(msg: FrameRequest) =>
      new Promise<R>((resolve, reject) => {
        if (failed) {
          if (msg.type === 'classify') msg.frame.close();
          return reject(failed);
        }
        const id = nextId++;
        waiting.set(id, { resolve: resolve as (m: FromWorker) => void, reject });
        worker.postMessage({ ...msg, id }, [msg.type === 'classify' ? msg.frame : msg.pixels.data.buffer]);
      }),
    dispose: () => {
      failAll(new Error('the preview was closed'));
      worker.terminate();
    },
  };
}

/** Detector and classifier, each in a worker, loaded (the classifier with `model`); rejects when they cannot start. */
async function startWorkers(files: PromotedInfo['files'], model: NonNullable<PromotedInfo['model']>): Promise<LiveModels> {
  const det = workerClient();
  const cls = workerClient();
  const tfBase = absolute(files.wasm);
  let runId = '';
  const loadModel = async (m: NonNullable<PromotedInfo['model']>) => {
    const wm: WorkerModel = {
      faceres: absolute(files.backbone),
      extra: m.extraFiles ? { deep: absolute(m.extraFiles.deep), gear: absolute(m.extraFiles.gear) } : null,
      headUrl: absolute(m.headUrl),
      meta: m.meta,
    };
    const loaded = await cls.load({ type: 'load', tfBase, model: wm });
    runId = loaded.runId;
    return loaded;
  };
  let threads: number;
  try {
    const [d] = await Promise.all([det.load({ type: 'load-detector', tfBase, url: absolute(files.detector) }), loadModel(model)]);
    threads = d.threads;
  } catch (err) {
    det.dispose();
    cls.dispose();
    throw err;
  }
  return {
    where: `two workers (wasm, ${threads} thread${threads === 1 ? '' : 's'} each)`,
    detector: {
      detect: async (pixels, tile) => {
        const r = await det.ask<Extract<FromWorker, { type: 'detections' }>>({ type: 'detect', pixels, tile });
        return { detections: r.detections, ms: r.ms };
      },
      dispose: det.dispose,
    },
    classifier: {
      get runId() {
        return runId;
      },
      use: async (m) => {
        await loadModel(m);
      },
      classify: async (frame, boxes, mirror) => {
        const r = await cls.ask<Extract<FromWorker, { type: 'result' }>>({ type: 'classify', frame, boxes, mirror });
        return { probs: r.probs, runId: r.runId, ms: r.ms };
      },
      dispose: cls.dispose,
    },
  };
}

/** Detector and classifier on the page's own TF.js and its loaded models (WebGL on a GPU). */
function onThePage(tf: Tf, backend: string, current: () => InferenceModels | null): LiveModels {
  const models = (frame: ImageBitmap | ImageData) => {
    const m = current();
    if (!m) {
      if ('close' in frame) frame.close();
      throw new Error('no model is loaded');
    }
    return m;
  };
  return {
    where: `the page (${backend})`,
    detector: {
      detect: async (pixels, tile) => detectFrame(tf, models(pixels).detector, pixels, tile),
      dispose: () => {},
    },
    classifier: {
      get runId() {
        return current()?.meta.runId ?? '';
      },
      use: async () => {}, // the page's models follow the promoted one by themselves (usePromotedModel)
      classify: async (frame, boxes, mirror) => classifyFrame(tf, models(frame), frame, boxes, mirror),
      dispose: () => {},
    },
  };
}

/**
 * The camera's models for the page's backend: on WebAssembly two workers (on the page when workers cannot start,
 * saying why), on WebGL the page.
 */
export async function openLiveModels(
  tf: Tf,
  backend: string,
  files: PromotedInfo['files'],
  model: NonNullable<PromotedInfo['model']>,
  current: () => InferenceModels | null,
): Promise<LiveModels> {
  if (!backend.startsWith('wasm')) return onThePage(tf, backend, current);
  try {
    return await startWorkers(files, model);
  } catch (err) {
    const page = onThePage(tf, backend, current);
    return { ...page, where: `${page.where}; workers could not start: ${(err as Error).message}` };
  }
}
