'use client';
// Camera mode: the webcam with every face boxed, classified frame after frame, with frames per second and
// where the time goes. Starts the camera once the models are ready; unmounting stops it.
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import type * as TF from '@tensorflow/tfjs';
import { useCamera } from '@/app/_components/use-camera';
import { classifyImage, type ClassifyTimings, type FaceResult, type InferenceModels } from '@/lib/inference/classify';
import type { Tf } from '@/lib/inference/types';
import { drawFaces, FaceList } from './face-list';

interface LiveStats {
  faces: FaceResult[];
  fps: number | null;
  frames: number;
  timings: ClassifyTimings | null;
}

export function CameraPanel({ tf, models, modelsRef }: { tf: Tf | null; models: InferenceModels | null; modelsRef: RefObject<InferenceModels | null> }) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const camera = useCamera(videoRef, { width: 640, height: 480 });
  const [stats, setStats] = useState<LiveStats>({ faces: [], fps: null, frames: 0, timings: null });
  // Live video skips the mirror averaging by default (it doubles the backbone's work per frame).
  const [liveMirror, setLiveMirror] = useState(false);
  const liveMirrorRef = useRef(false);
  useEffect(() => {
    if (new URLSearchParams(window.location.search).get('mirror') === '1') setLiveMirror(true);
  }, []);
  useEffect(() => {
    liveMirrorRef.current = liveMirror;
  }, [liveMirror]);

  const loopRef = useRef(0);
  const runLoop = useCallback(async () => {
    if (!tf) return;
    const id = ++loopRef.current;
    const video = videoRef.current!;
    let last = performance.now();
    let ema = 0;
    let count = 0;
    while (loopRef.current === id) {
      const m = modelsRef.current;
      if (m && video.readyState >= 2 && video.videoWidth > 0) {
        const img = tf.browser.fromPixels(video) as TF.Tensor3D;
        let result: FaceResult[];
        const t: ClassifyTimings = { detectMs: 0, classifyMs: 0, totalMs: 0 };
        try {
          result = await classifyImage(tf, m, img, { timings: t, mirror: m.meta.preprocessing.mirrorTta && liveMirrorRef.current });
        } finally {
          img.dispose();
        }
        if (loopRef.current !== id) break;
        const canvas = overlayRef.current;
        if (canvas) {
          if (canvas.width !== video.videoWidth) canvas.width = video.videoWidth;
          if (canvas.height !== video.videoHeight) canvas.height = video.videoHeight;
          const ctx = canvas.getContext('2d')!;
          ctx.clearRect(0, 0, canvas.width, canvas.height);
          drawFaces(ctx, result);
        }
        const now = performance.now();
        const inst = 1000 / Math.max(1, now - last);
        last = now;
        ema = count === 0 ? inst : 0.8 * ema + 0.2 * inst;
        count++;
        setStats({ faces: result, fps: ema, frames: count, timings: t });
      }
      await new Promise((r) => setTimeout(r, 0));
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

  const { fps, frames, timings, faces } = stats;
  const failure = camera.status === 'failed' ? camera.failure : null;
  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
      <div className="space-y-2">
        <div className="relative overflow-hidden rounded-md bg-black">
          <video ref={videoRef} muted playsInline className="block w-full" aria-label="Camera" />
          <canvas ref={overlayRef} className="pointer-events-none absolute inset-0 h-full w-full" aria-hidden />
        </div>
        <div className="flex items-center gap-3 text-sm">
          <span data-testid="fps" data-frames={frames} className="tabular-nums">
            {fps === null ? '– fps' : `${fps.toFixed(1)} fps`}
          </span>
          {timings && (
            <span data-testid="timings" className="tabular-nums text-slate-500">
              detection {Math.round(timings.detectMs)} ms · classification {Math.round(timings.classifyMs)} ms
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
        </div>
        {models?.meta.preprocessing.mirrorTta && (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={liveMirror} onChange={(e) => setLiveMirror(e.target.checked)} />
            Average each face with its mirror image, as the API and photos do (about half the frame rate)
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
      <section aria-label="Faces in the camera image">
        <h2 className="mb-2 font-medium">Faces</h2>
        <FaceList faces={faces} live={false} />
      </section>
    </div>
  );
}
