// The camera's loop (camera mode of the preview): every new video frame goes to the detector as soon as the last
// frame's faces are back, the faces found are followed across frames (lib/inference/tracker.ts), the faces due are
// classified a batch at a time whenever the classifier is free, and each face's probabilities are smoothed over
// time. Detector and classifier are ./live-models.ts (two Web Workers on WebAssembly); the page draws what
// `onFrame` and `onStats` hand it.
import { DETECTOR_INPUT_SIZE } from '@/lib/inference/blazeface';
import { argmax, type InferenceModels } from '@/lib/inference/classify';
import { type Detection, planSamples, type PlannedSample } from '@/lib/inference/preprocess';
import { type Classified, classifyDue, FaceTracker, smoothProbs, TRACKER_DEFAULTS } from '@/lib/inference/tracker';
import type { PromotedInfo } from './engine';
import type { ShownFace } from './face-list';
import type { LiveModels } from './live-models';

/** What the page shows beside the video (every STATS_EVERY_MS, and at once when a face comes, goes or changes class). */
export interface LiveStats {
  faces: ShownFace[];
  /** Frames drawn a second (moving average). */
  fps: number;
  /** Milliseconds of the last frame's detection, and of the last classification (of `classified` faces), and where they run. */
  timings: { detectMs: number; classifyMs: number; classified: number; where: string };
}

export interface LiveLoopOptions {
  video: HTMLVideoElement;
  live: LiveModels;
  /** The page's current models (their meta: classes, run, mirror averaging). */
  models: () => InferenceModels | null;
  /** The promoted model (the classifier worker loads its head when the page's models change to it). */
  promoted: () => PromotedInfo['model'];
  /** Whether to average each face with its mirror image (when the model was trained for it). */
  mirror: () => boolean;
  /** Every frame: the faces as shown (boxes at the frame rate). */
  onFrame: (faces: ShownFace[]) => void;
  /** Every frame: frames drawn so far. */
  onCount: (frames: number) => void;
  onStats: (stats: LiveStats) => void;
}

/** Per tracked face: its smoothed probabilities (model class order) and when it was last classified. */
interface FaceState {
  probs: number[] | null;
  /** When and on which box its class was last asked for (what makes it due again). */
  last?: Classified;
  /** When its last result came. */
  answeredAt?: number;
  refreshes: number;
}

/**
 * One tile of the 2x2 grid is scanned every this many frames (the whole frame every frame), so a face too small
 * for the whole-frame pass is found within a round of 4 tiles (48 frames, about 2.5 s at 20 frames/s). A tile pass
 * costs as much as the whole-frame one (and reads the frame at full resolution): on every 6th frame tiles took
 * 15% of the detector's time.
 */
const TILE_EVERY = 12;
/** A crop box under this fraction of the frame's long side: a face the whole-frame pass may miss. */
const SMALL_FACE = 0.25;
/**
 * The face list, legend and timings are re-rendered at most this often (and whenever a face comes, goes or changes
 * class): re-rendering them on every frame cost the page a tenth of its frame rate. The boxes (a canvas) and the
 * frame counter are drawn on every frame.
 */
const STATS_EVERY_MS = 250;
/** Most faces classified in one batch (new faces first, then the most overdue): bounds a result's delay. */
const MAX_BATCH = 4;
/** Batches at the classifier at once. */
const MAX_CLASSIFYING = 1;
/**
 * Frames at the detector at once. One: the next frame is read when the last one's faces are back, so boxes are
 * never a frame late, and the detector's round trips leave the classifier some room on two cores. With a frame
 * always waiting, 3 faces were refreshed 3.4 times a second at 20.3 frames/s (models alone 31 / 54 ms); with one,
 * 4.2 times at 21.3 and 21.9 frames/s (26 / 47 and 26 / 60 ms).
 */
const MAX_DETECTING = 1;

type FrameVideo = HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => number; cancelVideoFrameCallback?: (h: number) => void };

/**
 * Calls `onFrame` for each new video frame (requestVideoFrameCallback; 30 times a second where the browser has no
 * such callback) until the returned function is called.
 */
function eachVideoFrame(video: FrameVideo, onFrame: () => void): () => void {
  if (!video.requestVideoFrameCallback) {
    const timer = setInterval(onFrame, 1000 / 30);
    return () => clearInterval(timer);
  }
  let handle = 0;
  let on = true;
  const cb = () => {
    if (!on) return;
    handle = video.requestVideoFrameCallback!(cb);
    onFrame();
  };
  handle = video.requestVideoFrameCallback(cb);
  return () => {
    on = false;
    video.cancelVideoFrameCallback?.(handle);
  };
}

/**
 * The current video frame's pixels for detection: at the detector's own resolution (long side DETECTOR_INPUT_SIZE;
 * it sees 256 px either way) for the whole-frame scan, at full resolution when a tile is scanned too; and the
 * factor back to video pixels.
 */
function detectorPixels(video: HTMLVideoElement, canvas: HTMLCanvasElement, tile: number | null): { pixels: ImageData; scale: number } {
  const long = Math.max(video.videoWidth, video.videoHeight);
  const k = tile !== null || long <= DETECTOR_INPUT_SIZE ? 1 : DETECTOR_INPUT_SIZE / long;
  const w = Math.round(video.videoWidth * k);
  const h = Math.round(video.videoHeight * k);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(video, 0, 0, w, h);
  return { pixels: ctx.getImageData(0, 0, w, h), scale: video.videoWidth / w };
}

const scaled = (d: Detection, k: number): Detection => (k === 1 ? d : { x: d.x * k, y: d.y * k, w: d.w * k, h: d.h * k, score: d.score });

/**
 * Starts the loop on a playing video. `done` resolves when `stop` is called and rejects when detection or
 * classification fails.
 */
export function startLiveLoop(opts: LiveLoopOptions): { done: Promise<void>; stop: () => void } {
  const { video, live } = opts;
  const { detector, classifier, where } = live;
  const readback = document.createElement('canvas');
  // A face too small for the whole-frame pass is found only when a tile holding it is scanned: it is kept
  // for a whole round of tiles.
  const isSmall = (b: { w: number; h: number }) => Math.max(b.w, b.h) < SMALL_FACE * Math.max(video.videoWidth, video.videoHeight);
  const tracker = new FaceTracker<PlannedSample['box'] & { wholeImage: boolean }>({
    maxMissedFor: (b) => (isSmall(b) ? TILE_EVERY * 4 + 1 : TRACKER_DEFAULTS.maxMissed),
  });
  const state = new Map<number, FaceState>();
  let runId = '';
  let last = performance.now();
  let ema = 0;
  let count = 0;
  let sent = 0; // frames sent to the detector (the tile rotation counts these)
  let seq = 0; // video frames seen
  let sentSeq = -1; // the last one sent
  let detecting = 0; // frames at the detector
  let classifying = 0; // batches at the classifier
  let switching = false;
  let lastClassify = { ms: 0, n: 0 };
  let shownAt = -Infinity;
  let shownKey = '';
  let stopped = false;
  let stopFrames = () => {};
  // Ends the loop (with an error: `done` rejects with it).
  let stop: (err?: Error) => void = () => {};

  // The last frame whose faces are known, at full resolution, until the classifier takes it or a newer comes.
  let latest: Promise<ImageBitmap> | null = null;
  // Sends the faces of the latest frame that are due (every new one first, then the most overdue) to the
  // classifier when it has room: after each frame, and as soon as a classification is done.
  const classifyLatest = (m: InferenceModels) => {
    if (!latest || classifying >= MAX_CLASSIFYING || classifier.runId !== runId) return;
    const now = performance.now();
    const pick = tracker.current
      .filter((t) => t.missed === 0)
      .map((t) => ({ t, due: classifyDue(state.get(t.id)?.last, t.det, now) }))
      .filter((d) => d.due > 0)
      .sort((a, b) => b.due - a.due)
      .slice(0, MAX_BATCH)
      .map((d) => d.t);
    if (pick.length === 0) return;
    const frame = latest;
    latest = null;
    classifying++;
    const boxes = pick.map((t) => ({ x: t.det.x, y: t.det.y, w: t.det.w, h: t.det.h }));
    const mirror = m.meta.preprocessing.mirrorTta && opts.mirror();
    pick.forEach((t, i) => {
      const s = state.get(t.id) ?? { probs: null, refreshes: 0 };
      s.last = { at: now, box: boxes[i] };
      state.set(t.id, s);
    });
    const asked = runId;
    void frame
      .then((f) => classifier.classify(f, boxes, mirror))
      .then((res) => {
        if (res.runId !== asked || asked !== runId) return; // another model meanwhile: its faces are asked again
        const at = performance.now();
        pick.forEach((t, i) => {
          const s = state.get(t.id);
          if (!s) return; // the face left meanwhile
          s.probs = smoothProbs(s.probs, Array.from(res.probs[i]), at - (s.answeredAt ?? at));
          s.answeredAt = at;
          s.refreshes++;
        });
        lastClassify = { ms: res.ms, n: pick.length };
      })
      .catch(stop)
      .finally(() => {
        classifying--;
        if (!stopped) classifyLatest(opts.models() ?? m);
      });
  };

  // A frame's faces (`full`: the frame at full resolution): tracked, the due ones classified, everything drawn.
  const onDetections = (m: InferenceModels, detections: Detection[], scale: number, detectMs: number, full: Promise<ImageBitmap>) => {
    const samples = planSamples(
      video.videoWidth,
      video.videoHeight,
      detections.map((d) => scaled(d, scale)),
    ).filter((s) => s.score !== null); // no face: nothing to show
    const { dropped } = tracker.update(samples.map((s) => ({ ...s.box, wholeImage: s.wholeImage })));
    for (const d of dropped) state.delete(d);
    void latest?.then((f) => f.close());
    latest = full;
    classifyLatest(m);
    const classes = m.meta.classes;
    const faces: ShownFace[] = tracker.current.map((t) => {
      const s = state.get(t.id);
      const box = { x: t.det.x, y: t.det.y, w: t.det.w, h: t.det.h };
      if (!s?.probs) return { box, wholeImage: t.det.wholeImage, probs: {}, label: '', confidence: 0, track: t.id, refreshes: 0 };
      const best = argmax(s.probs);
      return {
        box,
        wholeImage: t.det.wholeImage,
        probs: Object.fromEntries(classes.map((c, k) => [c, s.probs![k]])),
        label: classes[best],
        confidence: s.probs[best],
        track: t.id,
        refreshes: s.refreshes,
      };
    });
    opts.onFrame(faces);
    const end = performance.now();
    const inst = 1000 / Math.max(1, end - last);
    last = end;
    ema = count === 0 ? inst : 0.9 * ema + 0.1 * inst;
    count++;
    opts.onCount(count);
    const key = faces.map((f) => `${f.track}:${f.label}`).join(' ');
    if (end - shownAt >= STATS_EVERY_MS || key !== shownKey) {
      shownAt = end;
      shownKey = key;
      opts.onStats({ faces, fps: ema, timings: { detectMs, classifyMs: lastClassify.ms, classified: lastClassify.n, where } });
    }
  };

  // The newest video frame goes to the detector whenever it has room; its result comes back as a message and is
  // drawn at once.
  const send = () => {
    if (stopped || seq === sentSeq || detecting >= MAX_DETECTING) return;
    const m = opts.models();
    if (!m || video.readyState < 2 || video.videoWidth === 0) return;
    if ((m.meta.runId ?? '') !== runId) {
      // Another model: every face is classified again.
      runId = m.meta.runId ?? '';
      state.clear();
    }
    const model = opts.promoted();
    if (classifier.runId !== runId && !switching && model?.runId === runId) {
      switching = true;
      classifier
        .use(model)
        .catch(stop)
        .finally(() => (switching = false));
    }
    sentSeq = seq;
    // The whole frame every frame, and every TILE_EVERY frames one of the 2x2 tiles, in turn.
    const tile = sent % TILE_EVERY === 0 ? Math.floor(sent / TILE_EVERY) : null;
    sent++;
    const { pixels, scale } = detectorPixels(video, readback, tile);
    // The same frame at full resolution, for the classifier if it has room when the faces are found (a bitmap
    // is converted only when it is read).
    const full = createImageBitmap(video);
    detecting++;
    void detector
      .detect(pixels, tile)
      .then((r) => {
        if (!stopped) onDetections(m, r.detections, scale, r.ms, full);
        else void full.then((f) => f.close());
      })
      .catch((err: Error) => {
        void full.then((f) => f.close());
        stop(err);
      })
      .finally(() => {
        detecting--;
        send();
      });
  };

  const done = new Promise<void>((resolve, reject) => {
    stop = (err?: Error) => {
      if (stopped) return;
      stopped = true;
      stopFrames();
      void latest?.then((f) => f.close());
      latest = null;
      if (err) reject(err);
      else resolve();
    };
  });
  stopFrames = eachVideoFrame(video, () => {
    seq++;
    send();
  });
  return { done, stop: () => stop() };
}
