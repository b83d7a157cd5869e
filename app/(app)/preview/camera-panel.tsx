'use client';
// Camera mode: the webcam with every face tracked and boxed at the frame rate. Every new video frame goes to the
// detector, and the faces found are followed across frames (lib/inference/tracker.ts); a face is classified when
// it is new, has moved much or its last result is older than CLASSIFY_POLICY.refreshMs, a batch of due faces at a
// time, and its probabilities are smoothed over time. On WebAssembly detector and classifier each run in a Web
// Worker (./live-models.ts), at once on two cores, and this thread only draws. Labelers capture the frame with C.
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { useCamera } from '@/app/_components/use-camera';
import { DETECTOR_INPUT_SIZE } from '@/lib/inference/blazeface';
import { argmax, type InferenceModels } from '@/lib/inference/classify';
import { type Detection, planSamples, type PlannedSample } from '@/lib/inference/preprocess';
import { type Classified, classifyDue, FaceTracker, smoothProbs, TRACKER_DEFAULTS } from '@/lib/inference/tracker';
import type { Tf } from '@/lib/inference/types';
import { CaptureButton } from './capture';
import { type LiveModels, openLiveModels } from './live-models';
import type { PromotedInfo } from './engine';
import { drawFaces, FaceList, Legend, type ShownFace } from './face-list';

/** What the page shows beside the video (refreshed every STATS_EVERY_MS, and at once when the faces change). */
interface LiveStats {
  faces: ShownFace[];
  /** Milliseconds of the last frame's detection, and of the last classification (of `classified` faces). */
  timings: { detectMs: number; classifyMs: number; classified: number; where: string } | null;
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

export function CameraPanel({
  tf,
  backend,
  files,
  promoted,
  models,
  modelsRef,
  canCapture,
}: {
  tf: Tf | null;
  /** The page's TF.js backend as shown ("wasm (1 thread)", "webgl"). */
  backend: string;
  files: PromotedInfo['files'];
  /** The promoted model (its head and extra models' URLs, for the worker). */
  promoted: PromotedInfo['model'];
  models: InferenceModels | null;
  modelsRef: RefObject<InferenceModels | null>;
  canCapture: boolean;
}) {
  const rootRef = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const camera = useCamera(videoRef, { width: 640, height: 480 });
  const [stats, setStats] = useState<LiveStats>({ faces: [], timings: null });
  // The frames drawn (`data-frames`, on every frame) and the frame rate (shown every STATS_EVERY_MS: a text change
  // costs a layout), written without React.
  const fpsRef = useRef<HTMLSpanElement>(null);
  const showFps = useCallback((frames: number | null, fps: number | null | undefined) => {
    const el = fpsRef.current;
    if (!el) return;
    if (frames !== null) el.dataset.frames = String(frames);
    if (fps !== undefined) el.textContent = fps === null ? '– fps' : `${fps.toFixed(1)} fps`;
  }, []);
  const [fullscreen, setFullscreen] = useState(false);
  // Live video skips the mirror averaging by default (it doubles the backbone's work per face).
  const [liveMirror, setLiveMirror] = useState(false);
  const liveMirrorRef = useRef(false);
  const promotedRef = useRef(promoted);
  promotedRef.current = promoted;
  useEffect(() => {
    if (new URLSearchParams(window.location.search).get('mirror') === '1') setLiveMirror(true);
  }, []);
  useEffect(() => {
    liveMirrorRef.current = liveMirror;
  }, [liveMirror]);
  useEffect(() => {
    const on = () => setFullscreen(document.fullscreenElement === rootRef.current);
    document.addEventListener('fullscreenchange', on);
    return () => document.removeEventListener('fullscreenchange', on);
  }, []);

  // The detector and the classifier (./live-models.ts), opened with the camera's first loop and kept until the
  // page goes.
  const liveRef = useRef<Promise<LiveModels> | null>(null);
  const filesRef = useRef(files);
  filesRef.current = files;
  useEffect(
    () => () => {
      void liveRef.current?.then((l) => {
        l.detector.dispose();
        l.classifier.dispose();
      });
      liveRef.current = null;
    },
    [],
  );

  const loopRef = useRef(0);
  const runLoop = useCallback(async () => {
    if (!tf || !promotedRef.current) return;
    const id = ++loopRef.current;
    liveRef.current ??= openLiveModels(tf, backend, filesRef.current, promotedRef.current, () => modelsRef.current);
    const { detector, classifier, where } = await liveRef.current;
    const video = videoRef.current!;
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
    let drawnKey = '';
    let stopFrames = () => {};
    // Ends the loop (with an error: the camera panel shows it).
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
      const mirror = m.meta.preprocessing.mirrorTta && liveMirrorRef.current;
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
          if (loopRef.current === id) classifyLatest(modelsRef.current ?? m);
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
      const canvas = overlayRef.current;
      // Drawn again only when a box moved a pixel or a label changed (a still scene costs no compositing).
      const drawn = faces.map((f) => `${f.track}:${Math.round(f.box.x)},${Math.round(f.box.y)},${Math.round(f.box.w)}:${f.label}:${Math.round(f.confidence * 100)}`).join(' ');
      if (canvas && drawn !== drawnKey) {
        drawnKey = drawn;
        if (canvas.width !== video.videoWidth) canvas.width = video.videoWidth;
        if (canvas.height !== video.videoHeight) canvas.height = video.videoHeight;
        const ctx = canvas.getContext('2d')!;
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawFaces(ctx, faces);
      }
      const end = performance.now();
      const inst = 1000 / Math.max(1, end - last);
      last = end;
      ema = count === 0 ? inst : 0.9 * ema + 0.1 * inst;
      count++;
      showFps(count, undefined);
      const key = faces.map((f) => `${f.track}:${f.label}`).join(' ');
      if (end - shownAt >= STATS_EVERY_MS || key !== shownKey) {
        shownAt = end;
        shownKey = key;
        showFps(count, ema);
        setStats({ faces, timings: { detectMs, classifyMs: lastClassify.ms, classified: lastClassify.n, where } });
      }
    };

    // The newest video frame goes to the detector whenever it has room; its result comes back as a message and is
    // drawn at once.
    const send = () => {
      if (loopRef.current !== id || seq === sentSeq || detecting >= MAX_DETECTING) return;
      const m = modelsRef.current;
      if (!m || video.readyState < 2 || video.videoWidth === 0) return;
      if ((m.meta.runId ?? '') !== runId) {
        // Another model: every face is classified again.
        runId = m.meta.runId ?? '';
        state.clear();
      }
      const model = promotedRef.current;
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
          if (loopRef.current === id) onDetections(m, r.detections, scale, r.ms, full);
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
        stopFrames();
        void latest?.then((f) => f.close());
        latest = null;
        if (err && loopRef.current === id) reject(err);
        else resolve();
      };
    });
    stopFrames = eachVideoFrame(video, () => {
      if (loopRef.current !== id) return stop();
      seq++;
      send();
    });
    return done;
  }, [tf, backend, modelsRef, showFps]);

  const { start: openCamera, stop: closeCamera, fail } = camera;
  const stop = useCallback(() => {
    loopRef.current++;
    closeCamera();
    showFps(null, null);
  }, [closeCamera, showFps]);
  const start = useCallback(async () => {
    if (await openCamera()) void runLoop().catch((err: Error) => fail(`Inference stopped: ${err.message}`));
  }, [openCamera, runLoop, fail]);

  const ready = !!models && !!tf;
  useEffect(() => {
    if (!ready) return;
    void start();
    return stop;
  }, [ready, start, stop]);

  const toggleFullscreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void rootRef.current?.requestFullscreen().catch(() => {});
  };

  const { timings, faces } = stats;
  const failure = camera.status === 'failed' ? camera.failure : null;
  return (
    <div
      ref={rootRef}
      data-testid="camera-panel"
      data-fullscreen={String(fullscreen)}
      className={fullscreen ? 'flex h-full flex-col gap-3 overflow-auto bg-slate-950 p-4 text-white' : 'grid gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]'}
    >
      <div className={fullscreen ? 'flex min-h-0 flex-1 flex-col gap-3' : 'space-y-2'}>
        <div className={`relative overflow-hidden rounded-md bg-black ${fullscreen ? 'mx-auto flex min-h-0 flex-1 items-center' : ''}`}>
          <div className="relative">
            <video ref={videoRef} muted playsInline className={fullscreen ? 'block max-h-[80vh] w-auto' : 'block w-full'} aria-label="Camera" />
            <canvas ref={overlayRef} className="pointer-events-none absolute inset-0 h-full w-full" aria-hidden />
          </div>
        </div>
        {models && <Legend classes={models.meta.classes} faces={faces} large={fullscreen} />}
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <span ref={fpsRef} data-testid="fps" data-frames="0" className="tabular-nums">
            – fps
          </span>
          {timings && (
            <span data-testid="timings" className={`tabular-nums ${fullscreen ? 'text-slate-400' : 'text-slate-500'}`}>
              detection {Math.round(timings.detectMs)} ms · classification {Math.round(timings.classifyMs)} ms ({timings.classified} face
              {timings.classified === 1 ? '' : 's'}) · in {timings.where}
            </span>
          )}
          {camera.status === 'on' ? (
            <button type="button" className="btn-secondary" onClick={stop}>
              Stop camera
            </button>
          ) : (
            <button type="button" className="btn-secondary" onClick={() => void start()} disabled={!models || camera.status === 'starting'}>
              Start camera
            </button>
          )}
          <button type="button" className="btn-secondary" onClick={toggleFullscreen} aria-pressed={fullscreen}>
            {fullscreen ? 'Exit full screen' : 'Full screen'}
          </button>
          {canCapture && <CaptureButton videoRef={videoRef} enabled={camera.status === 'on'} />}
        </div>
        {models?.meta.preprocessing.mirrorTta && !fullscreen && (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={liveMirror} onChange={(e) => setLiveMirror(e.target.checked)} />
            Average each face with its mirror image, as the API and photos do (slower)
          </label>
        )}
        {failure?.kind === 'denied' && (
          <p className="alert-error" role="alert" data-testid="camera-denied">
            Camera access was denied. Allow the camera for this site (the camera icon in the address bar), then press Start camera.
            You can still classify a photo.
          </p>
        )}
        {(failure?.kind === 'unsupported' || failure?.kind === 'missing' || failure?.kind === 'busy') && (
          <p className="alert-error" role="alert" data-testid="no-camera">
            {failure.message} You can still classify a photo.
          </p>
        )}
        {failure?.kind === 'error' && (
          <p className="alert-error" role="alert">
            The camera could not start: {failure.message}
          </p>
        )}
      </div>
      <section aria-label="Faces in the camera image" className={fullscreen ? 'hidden' : ''}>
        <h2 className="mb-2 font-medium">Faces</h2>
        <FaceList faces={faces} live={false} />
      </section>
    </div>
  );
}
