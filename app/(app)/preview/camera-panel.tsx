'use client';
// Camera mode: the webcam with every face tracked and boxed at the frame rate. Faces are detected on every new
// video frame and followed across frames (lib/inference/tracker.ts); a face is classified when it is new, has
// moved much or its last result is older than CLASSIFY_POLICY.refreshMs, at most one stale face per frame, and
// its probabilities are smoothed over time. Labelers capture the frame into the dataset with C (or the button).
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import type * as TF from '@tensorflow/tfjs';
import { useCamera } from '@/app/_components/use-camera';
import { detectInTensor } from '@/lib/inference/blazeface';
import { argmax, classifyBoxes, type InferenceModels } from '@/lib/inference/classify';
import { planSamples, type PlannedSample } from '@/lib/inference/preprocess';
import { type Classified, classifyDue, FaceTracker, smoothProbs, TRACKER_DEFAULTS } from '@/lib/inference/tracker';
import type { Tf } from '@/lib/inference/types';
import { CaptureButton } from './capture';
import { drawFaces, FaceList, Legend, type ShownFace } from './face-list';

interface LiveStats {
  faces: ShownFace[];
  fps: number | null;
  frames: number;
  /** Milliseconds of the last frame: detection, classification (0 when no face was due), and the frame. */
  timings: { detectMs: number; classifyMs: number; classified: number } | null;
}

/** Per tracked face: its smoothed probabilities (model class order) and when it was last classified. */
interface FaceState {
  probs: number[] | null;
  last?: Classified;
  refreshes: number;
}

/**
 * One tile of the 2x2 grid is scanned every this many frames (the whole frame every frame): a detector pass costs
 * about two thirds of one face through the backbone, so tiles on every frame would halve the frame rate.
 */
const TILE_EVERY = 6;
/** A crop box under this fraction of the frame's long side: a face the whole-frame pass may miss. */
const SMALL_FACE = 0.25;

type FrameVideo = HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => number; cancelVideoFrameCallback?: (h: number) => void };

/**
 * Counts the video's new frames (requestVideoFrameCallback). `next()` resolves at once when a frame arrived
 * since the last call, else on the next one (or after 100 ms; at once where the browser has no such callback),
 * so the loop never works twice on one frame and never idles while a new frame waits.
 */
function frameClock(video: FrameVideo) {
  let seq = 0;
  let seen = -1;
  let wake: (() => void) | null = null;
  let handle = 0;
  const supported = !!video.requestVideoFrameCallback;
  const onFrame = () => {
    seq++;
    wake?.();
    wake = null;
    handle = video.requestVideoFrameCallback!(onFrame);
  };
  if (supported) handle = video.requestVideoFrameCallback!(onFrame);
  return {
    next: async () => {
      if (!supported) return new Promise<void>((r) => setTimeout(r, 0));
      if (seq === seen) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 100);
        });
      }
      seen = seq;
    },
    stop: () => {
      if (supported) video.cancelVideoFrameCallback?.(handle);
    },
  };
}

export function CameraPanel({
  tf,
  models,
  modelsRef,
  canCapture,
}: {
  tf: Tf | null;
  models: InferenceModels | null;
  modelsRef: RefObject<InferenceModels | null>;
  canCapture: boolean;
}) {
  const rootRef = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const camera = useCamera(videoRef, { width: 640, height: 480 });
  const [stats, setStats] = useState<LiveStats>({ faces: [], fps: null, frames: 0, timings: null });
  const [fullscreen, setFullscreen] = useState(false);
  // Live video skips the mirror averaging by default (it doubles the backbone's work per face).
  const [liveMirror, setLiveMirror] = useState(false);
  const liveMirrorRef = useRef(false);
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

  const loopRef = useRef(0);
  const runLoop = useCallback(async () => {
    if (!tf) return;
    const id = ++loopRef.current;
    const video = videoRef.current!;
    // A face too small for the whole-frame pass is found only when a tile holding it is scanned: it is kept
    // for a whole round of tiles.
    const small = (b: { w: number; h: number }) => Math.max(b.w, b.h) < SMALL_FACE * Math.max(video.videoWidth, video.videoHeight);
    const tracker = new FaceTracker<PlannedSample['box'] & { wholeImage: boolean }>({
      maxMissedFor: (b) => (small(b) ? TILE_EVERY * 4 + 1 : TRACKER_DEFAULTS.maxMissed),
    });
    const state = new Map<number, FaceState>();
    let runId = '';
    let last = performance.now();
    let ema = 0;
    let count = 0;
    const clock = frameClock(video);
    try {
      while (loopRef.current === id) {
        await clock.next();
        if (loopRef.current !== id) break;
        const m = modelsRef.current;
        if (!m || video.readyState < 2 || video.videoWidth === 0) continue;
        if ((m.meta.runId ?? '') !== runId) {
          // Another model: every face is classified again.
          runId = m.meta.runId ?? '';
          state.clear();
        }
        const img = tf.browser.fromPixels(video) as TF.Tensor3D;
        const t0 = performance.now();
        let t1 = t0;
        let t2 = t0; // after classification (t1 when no face was due)
        let classified = 0;
        try {
          // The whole frame every frame, and every TILE_EVERY frames one of the 2x2 tiles, in turn: small faces
          // are found a few times a second.
          const tile = count % TILE_EVERY === 0 ? Math.floor(count / TILE_EVERY) : -1;
          const detections = await detectInTensor(tf, m.detector, img, {
            tileLevels: 2,
            pickTiles: (tiles) => (tile >= 0 && tiles.length ? [tiles[tile % tiles.length]] : []),
          });
          t1 = performance.now();
          t2 = t1;
          const samples = planSamples(video.videoWidth, video.videoHeight, detections).filter((s) => s.score !== null); // no face: nothing to show
          const { tracks, dropped } = tracker.update(samples.map((s) => ({ ...s.box, wholeImage: s.wholeImage })));
          for (const d of dropped) state.delete(d);
          // Faces seen on this frame that are due: every new one, and the most overdue of the others.
          const now = performance.now();
          const due = tracks
            .filter((t) => t.missed === 0)
            .map((t) => ({ t, due: classifyDue(state.get(t.id)?.last, t.det, now) }))
            .filter((d) => d.due > 0)
            .sort((a, b) => b.due - a.due);
          const pick = [...due.filter((d) => d.due === Infinity), ...due.filter((d) => d.due !== Infinity).slice(0, 1)].map((d) => d.t);
          if (pick.length > 0) {
            const mirror = m.meta.preprocessing.mirrorTta && liveMirrorRef.current;
            const probs = await classifyBoxes(tf, m, img, pick.map((t) => t.det), { mirror });
            const at = performance.now();
            t2 = at;
            pick.forEach((t, i) => {
              const s = state.get(t.id) ?? { probs: null, refreshes: 0 };
              s.probs = smoothProbs(s.probs, Array.from(probs[i]), s.last ? at - s.last.at : 0);
              s.last = { at, box: { x: t.det.x, y: t.det.y, w: t.det.w, h: t.det.h } };
              s.refreshes++;
              state.set(t.id, s);
            });
            classified = pick.length;
          }
        } finally {
          img.dispose();
        }
        if (loopRef.current !== id) break;
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
        if (canvas) {
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
        setStats({ faces, fps: ema, frames: count, timings: { detectMs: t1 - t0, classifyMs: t2 - t1, classified } });
      }
    } finally {
      clock.stop();
    }
  }, [tf, modelsRef]);

  const { start: openCamera, stop: closeCamera, fail } = camera;
  const stop = useCallback(() => {
    loopRef.current++;
    closeCamera();
    setStats((s) => ({ ...s, fps: null }));
  }, [closeCamera]);
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

  const { fps, frames, timings, faces } = stats;
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
          <span data-testid="fps" data-frames={frames} className="tabular-nums">
            {fps === null ? '– fps' : `${fps.toFixed(1)} fps`}
          </span>
          {timings && (
            <span data-testid="timings" className={`tabular-nums ${fullscreen ? 'text-slate-400' : 'text-slate-500'}`}>
              detection {Math.round(timings.detectMs)} ms · classification {Math.round(timings.classifyMs)} ms ({timings.classified} face
              {timings.classified === 1 ? '' : 's'})
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
