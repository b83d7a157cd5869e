'use client';
// Camera mode: the webcam with every face tracked, boxed and classified at the frame rate (the loop is
// ./live-loop.ts; on WebAssembly the detector and the classifier run in two Web Workers, ./live-models.ts), the
// face list and legend beside it, full screen for a wall, and capture (C) for labelers.
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { useCamera } from '@/app/_components/use-camera';
import type { InferenceModels } from '@/lib/inference/classify';
import type { Tf } from '@/lib/inference/types';
import { CaptureButton } from './capture';
import type { PromotedInfo } from './engine';
import { drawFaces, FaceList, Legend, type ShownFace } from './face-list';
import { type LiveStats, startLiveLoop } from './live-loop';
import { type LiveModels, openLiveModels } from './live-models';

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
  const [stats, setStats] = useState<{ faces: ShownFace[]; timings: LiveStats['timings'] | null }>({ faces: [], timings: null });
  // The frames drawn (`data-frames`, on every frame) and the frame rate (a few times a second: a text change costs
  // a layout), written without React.
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

  const loopRef = useRef<{ stop: () => void } | null>(null);
  const runLoop = useCallback(async () => {
    if (!tf || !promotedRef.current) return;
    loopRef.current?.stop();
    const token = { stop: () => {} };
    loopRef.current = token;
    liveRef.current ??= openLiveModels(tf, backend, filesRef.current, promotedRef.current, () => modelsRef.current);
    const live = await liveRef.current;
    if (loopRef.current !== token) return; // stopped while the models started
    let drawnKey = '';
    const video = videoRef.current!;
    const loop = startLiveLoop({
      video,
      live,
      models: () => modelsRef.current,
      promoted: () => promotedRef.current,
      mirror: () => liveMirrorRef.current,
      onFrame: (faces) => {
        const canvas = overlayRef.current;
        // Drawn again only when a box moved a pixel or a label changed (a still scene costs no compositing).
        const drawn = faces.map((f) => `${f.track}:${Math.round(f.box.x)},${Math.round(f.box.y)},${Math.round(f.box.w)}:${f.label}:${Math.round(f.confidence * 100)}`).join(' ');
        if (!canvas || drawn === drawnKey) return;
        drawnKey = drawn;
        if (canvas.width !== video.videoWidth) canvas.width = video.videoWidth;
        if (canvas.height !== video.videoHeight) canvas.height = video.videoHeight;
        const ctx = canvas.getContext('2d')!;
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawFaces(ctx, faces);
      },
      onCount: (frames) => showFps(frames, undefined),
      onStats: ({ faces, fps, timings }) => {
        showFps(null, fps);
        setStats({ faces, timings });
      },
    });
    token.stop = loop.stop;
    return loop.done;
  }, [tf, backend, modelsRef, showFps]);

  const { start: openCamera, stop: closeCamera, fail } = camera;
  const stop = useCallback(() => {
    loopRef.current?.stop();
    loopRef.current = null;
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
