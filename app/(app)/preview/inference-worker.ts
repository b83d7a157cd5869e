// The live preview's models in a Web Worker (see ./live-models.ts): TF.js on WebAssembly, one thread, off the
// page's thread. The camera runs two of these: one detects faces on every frame (BlazeFace, `detectInTensor`),
// the other classifies the faces due (faceres, + faceres-deep and gear for the accurate backbone, and the
// promoted head: `classifyBoxes`), so both run at once on a 2-core machine and the page's thread stays free to
// draw and to answer the user. Both use lib/inference's one inference path, as a photo and the predict API do.
/// <reference lib="webworker" />
import type * as TF from '@tensorflow/tfjs';
import { detectInTensor } from '@/lib/inference/blazeface';
import { type ClassifierModels, classifyBoxes, type ExtraBackbones } from '@/lib/inference/classify';
import type { Tf } from '@/lib/inference/types';
import { classifyFrame, detectFrame } from './frame-work';
import type { FromWorker, ToWorker, WorkerModel } from './live-models';

type WasmApi = { setWasmPaths: (prefix: string) => void; setThreadsCount?: (n: number) => void; getThreadsCount?: () => number };
const scope = self as unknown as DedicatedWorkerGlobalScope & { tf?: Tf & { wasm?: WasmApi } };

let engine: Promise<{ tf: Tf; threads: number }> | null = null;
/** TF.js on wasm, from the same prebuilt bundles the page loads (`base`: their folder, an absolute URL). */
function startTf(base: string): Promise<{ tf: Tf; threads: number }> {
  engine ??= (async () => {
    scope.importScripts(`${base}tf.min.js`, `${base}tf-backend-wasm.min.js`);
    const tf = scope.tf!;
    tf.wasm!.setWasmPaths(base);
    // One thread: the page runs two of these workers, one per core of a 2-core machine.
    tf.wasm!.setThreadsCount?.(1);
    if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js wasm backend could not start in a worker');
    await tf.ready();
    return { tf, threads: tf.wasm!.getThreadsCount?.() ?? 1 };
  })();
  return engine;
}

const graphs = new Map<string, Promise<TF.GraphModel>>();
function graph(tf: Tf, url: string): Promise<TF.GraphModel> {
  let g = graphs.get(url);
  if (!g) {
    g = tf.loadGraphModel(url);
    graphs.set(url, g);
    g.catch(() => graphs.delete(url));
  }
  return g;
}

let detector: TF.GraphModel | null = null;
let models: ClassifierModels | null = null;

async function loadDetector(tfBase: string, url: string): Promise<FromWorker> {
  const { tf, threads } = await startTf(tfBase);
  const d = await graph(tf, url);
  // Warm-up: the first run allocates and compiles.
  const blank = tf.zeros([64, 64, 3], 'int32') as TF.Tensor3D;
  try {
    await detectInTensor(tf, d, blank);
  } finally {
    blank.dispose();
  }
  detector = d;
  return { type: 'loaded', runId: '', threads };
}

async function loadClassifier(tfBase: string, m: WorkerModel): Promise<FromWorker> {
  const { tf, threads } = await startTf(tfBase);
  const [faceres, head, extra] = await Promise.all([
    graph(tf, m.faceres),
    tf.loadLayersModel(m.headUrl),
    m.extra ? Promise.all([graph(tf, m.extra.deep), graph(tf, m.extra.gear)]).then(([deep, gear]): ExtraBackbones => ({ deep, gear })) : null,
  ]);
  const next: ClassifierModels = { faceres, extra, head, meta: m.meta };
  const blank = tf.zeros([64, 64, 3], 'int32') as TF.Tensor3D;
  try {
    await classifyBoxes(tf, next, blank, [{ x: 0, y: 0, w: 64, h: 64 }], { mirror: false });
  } finally {
    blank.dispose();
  }
  const old = models;
  models = next;
  if (old && old.head !== head) old.head.dispose();
  return { type: 'loaded', runId: m.meta.runId ?? '', threads };
}

async function handle(msg: ToWorker): Promise<FromWorker> {
  switch (msg.type) {
    case 'load-detector':
      return loadDetector(msg.tfBase, msg.url);
    case 'load':
      return loadClassifier(msg.tfBase, msg.model);
    case 'detect': {
      if (!detector) throw new Error('the detector is not loaded in this worker');
      const r = await detectFrame((await engine!).tf, detector, msg.pixels, msg.tile);
      return { type: 'detections', id: msg.id, ...r };
    }
    case 'classify': {
      if (!models) throw new Error('no model is loaded in the classification worker');
      const r = await classifyFrame((await engine!).tf, models, msg.frame, msg.boxes, msg.mirror);
      return { type: 'result', id: msg.id, ...r };
    }
  }
}

// One message at a time, in order.
let queue: Promise<unknown> = Promise.resolve();
scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  queue = queue.then(async () => {
    let reply: FromWorker;
    try {
      reply = await handle(msg);
    } catch (err) {
      if (msg.type === 'classify') msg.frame.close();
      reply = { type: 'error', id: msg.type === 'detect' || msg.type === 'classify' ? msg.id : null, message: (err as Error).message };
    }
    scope.postMessage(reply, reply.type === 'result' ? reply.probs.map((p) => p.buffer as ArrayBuffer) : []);
  });
};
