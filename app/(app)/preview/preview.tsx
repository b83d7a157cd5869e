'use client';
// The live preview: every face in the webcam stream (or in a dropped photo) classified in the browser by
// the promoted model. Polls /api/models/promoted, so a newly promoted model is picked up without a reload.
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import type * as TF from '@tensorflow/tfjs';
import { classifyImage, type ClassifyTimings, type FaceResult, type InferenceModels } from '@/lib/inference/classify';
import {
  type Backbone,
  type BackendChoice,
  classColour,
  fetchPromoted,
  loadBackbone,
  loadModels,
  loadTf,
  type PromotedInfo,
} from './engine';
import type { Tf } from '@/lib/inference/types';

const POLL_MS = 5000;
type Mode = 'camera' | 'photo';
type CameraState = 'idle' | 'starting' | 'on' | 'denied' | 'none' | 'error';

const pct = (p: number) => `${Math.round(p * 100)}%`;

function drawFaces(ctx: CanvasRenderingContext2D, faces: FaceResult[]) {
  const scale = Math.max(1, ctx.canvas.width / 640);
  ctx.lineWidth = 3 * scale;
  ctx.font = `${Math.round(14 * scale)}px ui-sans-serif, system-ui, sans-serif`;
  ctx.textBaseline = 'bottom';
  for (const f of faces) {
    const colour = classColour(f.label);
    const { x, y, w, h } = f.box;
    ctx.strokeStyle = colour;
    ctx.strokeRect(x, y, w, h);
    const text = `${f.label} ${pct(f.confidence)}`;
    const tw = ctx.measureText(text).width + 8 * scale;
    const th = 18 * scale;
    const ty = y >= th ? y : y + th;
    ctx.fillStyle = colour;
    ctx.fillRect(x, ty - th, tw, th);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, x + 4 * scale, ty - 2 * scale);
  }
}

function FaceList({ faces, live }: { faces: FaceResult[]; live: boolean }) {
  if (faces.length === 0) return <p className="text-sm text-slate-600">No face yet.</p>;
  return (
    <ol className="space-y-2" aria-live={live ? 'polite' : 'off'} aria-label="Faces">
      {faces.map((f, i) => (
        <li
          key={i}
          data-testid="face-result"
          data-label={f.label}
          data-probs={JSON.stringify(f.probs)}
          data-whole-image={String(f.wholeImage)}
          className="rounded-md border border-slate-200 bg-white p-2 text-sm"
        >
          <div className="flex items-center gap-2">
            <span aria-hidden className="inline-block h-3 w-3 rounded-sm" style={{ background: classColour(f.label) }} />
            <span className="font-medium">
              Face {i + 1}: {f.label}
            </span>
            <span className="ml-auto tabular-nums text-slate-600">{pct(f.confidence)}</span>
          </div>
          <div className="mt-1 text-xs text-slate-500">
            {f.wholeImage ? 'whole image' : `box ${Math.round(f.box.w)}×${Math.round(f.box.h)} at ${Math.round(f.box.x)},${Math.round(f.box.y)}`}
            {' · '}
            {Object.entries(f.probs)
              .map(([c, p]) => `${c} ${pct(p)}`)
              .join(', ')}
          </div>
        </li>
      ))}
    </ol>
  );
}

export function Preview() {
  const [info, setInfo] = useState<PromotedInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [engine, setEngine] = useState<{ tf: Tf; backend: string } | null>(null);
  const [backbone, setBackbone] = useState<Backbone | null>(null);
  const [models, setModels] = useState<InferenceModels | null>(null);
  const [mode, setMode] = useState<Mode>('camera');
  const [camera, setCamera] = useState<CameraState>('idle');
  const [cameraError, setCameraError] = useState('');
  const [faces, setFaces] = useState<FaceResult[]>([]);
  const [fps, setFps] = useState<number | null>(null);
  const [frames, setFrames] = useState(0);
  const [timings, setTimings] = useState<ClassifyTimings | null>(null);
  const [photoFaces, setPhotoFaces] = useState<FaceResult[] | null>(null);
  const [photoState, setPhotoState] = useState<{ busy: boolean; error: string; name: string }>({ busy: false, error: '', name: '' });
  const [dragging, setDragging] = useState(false);
  // Live video skips the mirror averaging by default (it doubles the backbone's work per frame).
  const [liveMirror, setLiveMirror] = useState(false);
  const liveMirrorRef = useRef(false);
  useEffect(() => {
    if (new URLSearchParams(window.location.search).get('mirror') === '1') setLiveMirror(true);
  }, []);
  useEffect(() => {
    liveMirrorRef.current = liveMirror;
  }, [liveMirror]);

  const modelsRef = useRef<InferenceModels | null>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const photoRef = useRef<HTMLCanvasElement>(null);
  const streamRef = useRef<MediaStream | null>(null);
  const loopRef = useRef(0);

  // Which model is promoted, polled.
  useEffect(() => {
    let alive = true;
    const poll = async () => {
      try {
        const next = await fetchPromoted();
        if (!alive) return;
        setInfo((prev) => (prev && prev.model?.runId === next.model?.runId ? prev : next));
      } catch (err) {
        if (alive) setError((err as Error).message);
      }
    };
    void poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, []);

  // TF.js and the frozen detector + backbone, once.
  const wasmBase = info?.files.wasm;
  const hasModel = !!info?.model;
  useEffect(() => {
    if (!wasmBase || !hasModel || engine) return;
    let alive = true;
    const choice = (new URLSearchParams(window.location.search).get('backend') ?? 'auto') as BackendChoice;
    (async () => {
      const e = await loadTf(['auto', 'webgl', 'wasm'].includes(choice) ? choice : 'auto', wasmBase);
      if (!alive) return;
      setEngine(e);
      setBackbone(await loadBackbone(e.tf, info!.files));
    })().catch((err: Error) => alive && setError(`Could not load the models: ${err.message}`));
    return () => {
      alive = false;
    };
  }, [wasmBase, hasModel, engine, info]);

  // The promoted head; swapped in when another run is promoted.
  const promoted = info?.model;
  useEffect(() => {
    if (!engine || !backbone || !promoted?.compatible) return;
    if (modelsRef.current?.meta.runId === promoted.runId) return;
    let alive = true;
    loadModels(engine.tf, backbone, promoted)
      .then((m) => {
        if (!alive) return m.head.dispose();
        const old = modelsRef.current;
        modelsRef.current = m;
        setModels(m);
        // Let a frame in flight finish with the old head before freeing it.
        if (old) setTimeout(() => old.head.dispose(), 2000);
      })
      .catch((err: Error) => alive && setError(`Could not load the promoted model: ${err.message}`));
    return () => {
      alive = false;
    };
  }, [engine, backbone, promoted]);

  const stopCamera = useCallback(() => {
    loopRef.current++;
    streamRef.current?.getTracks().forEach((t) => t.stop());
    streamRef.current = null;
    if (videoRef.current) videoRef.current.srcObject = null;
    setCamera('idle');
    setFps(null);
  }, []);

  const runLoop = useCallback(async (tf: Tf) => {
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
        setTimings(t);
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
        setFaces(result);
        setFps(ema);
        setFrames(count);
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  }, []);

  const startCamera = useCallback(async () => {
    if (!engine) return;
    if (!navigator.mediaDevices?.getUserMedia) {
      setCamera('none');
      setCameraError('This browser gives no camera access to this page (a camera needs HTTPS or localhost).');
      return;
    }
    setCamera('starting');
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
      streamRef.current = stream;
      const video = videoRef.current!;
      video.srcObject = stream;
      await video.play();
      setCamera('on');
      void runLoop(engine.tf).catch((err: Error) => {
        setCamera('error');
        setCameraError(`Inference stopped: ${err.message}`);
      });
    } catch (err) {
      const name = (err as DOMException).name;
      if (name === 'NotAllowedError' || name === 'SecurityError') setCamera('denied');
      else if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') {
        setCamera('none');
        setCameraError(name === 'NotReadableError' ? 'The camera is in use by another application.' : 'No camera was found on this device.');
      } else {
        setCamera('error');
        setCameraError((err as Error).message);
      }
    }
  }, [engine, runLoop]);

  // Camera mode starts the camera once the models are ready; leaving it (or the page) stops it.
  const ready = !!models;
  useEffect(() => {
    if (mode !== 'camera' || !ready) return;
    void startCamera();
    return stopCamera;
  }, [mode, ready, startCamera, stopCamera]);

  const classifyFile = useCallback(
    async (file: File | undefined) => {
      const m = modelsRef.current;
      if (!file || !m || !engine) return;
      setPhotoState({ busy: true, error: '', name: file.name });
      setPhotoFaces(null);
      try {
        let bitmap: ImageBitmap;
        try {
          bitmap = await createImageBitmap(file);
        } catch {
          throw new Error(`${file.name} is not an image this browser can decode.`);
        }
        const canvas = photoRef.current!;
        canvas.width = bitmap.width;
        canvas.height = bitmap.height;
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        // Transparent pixels become white, as the server's decoder flattens them.
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(bitmap, 0, 0);
        bitmap.close();
        const img = engine.tf.browser.fromPixels(canvas) as TF.Tensor3D;
        let result: FaceResult[];
        try {
          result = await classifyImage(engine.tf, m, img);
        } finally {
          img.dispose();
        }
        drawFaces(ctx, result);
        setPhotoFaces(result);
        setPhotoState({ busy: false, error: '', name: file.name });
      } catch (err) {
        setPhotoState({ busy: false, error: (err as Error).message, name: file.name });
      }
    },
    [engine],
  );

  if (error) return <p className="alert-error" role="alert">{error}</p>;
  if (!info) return <p className="text-slate-600">Asking which model is promoted…</p>;
  if (!info.model) {
    return (
      <div className="alert-error" role="status" data-testid="no-model">
        No model is promoted yet. Train one and promote it on the <Link href="/training" className="underline">Training</Link> page;
        this page picks it up by itself.
      </div>
    );
  }
  if (!info.model.compatible) {
    return (
      <div className="alert-error" role="status">
        The promoted model ({info.model.runId}) was trained on backbone {info.model.meta.backbone}, but this app computes{' '}
        {info.backboneId}. Retrain and promote a model on the <Link href="/training" className="underline">Training</Link> page.
      </div>
    );
  }

  const tabClass = (m: Mode) => (mode === m ? 'btn-primary' : 'btn-secondary');
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3 text-sm text-slate-600">
        <div role="group" aria-label="Source" className="flex gap-2">
          <button type="button" className={tabClass('camera')} aria-pressed={mode === 'camera'} onClick={() => setMode('camera')}>
            Camera
          </button>
          <button type="button" className={tabClass('photo')} aria-pressed={mode === 'photo'} onClick={() => setMode('photo')}>
            Photo
          </button>
        </div>
        <span>
          Model <code data-testid="model-run">{models?.meta.runId ?? info.model.runId}</code>
          {models && models.meta.runId !== info.model.runId ? ' (loading the newly promoted model…)' : ''}
        </span>
        <span>Backend: {engine?.backend ?? 'loading…'}</span>
        {!models && <span role="status">Loading the models…</span>}
      </div>

      {mode === 'camera' ? (
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
              {camera === 'on' ? (
                <button type="button" className="btn-secondary" onClick={stopCamera}>
                  Stop camera
                </button>
              ) : (
                <button type="button" className="btn-secondary" onClick={startCamera} disabled={!models || camera === 'starting'}>
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
            {camera === 'denied' && (
              <p className="alert-error" role="alert" data-testid="camera-denied">
                Camera access was denied. Allow the camera for this site (the camera icon in the address bar), then press Start
                camera. You can still classify a photo.
              </p>
            )}
            {camera === 'none' && (
              <p className="alert-error" role="alert" data-testid="no-camera">
                {cameraError} You can still classify a photo.
              </p>
            )}
            {camera === 'error' && (
              <p className="alert-error" role="alert">
                The camera could not start: {cameraError}
              </p>
            )}
          </div>
          <section aria-label="Faces in the camera image">
            <h2 className="mb-2 font-medium">Faces</h2>
            <FaceList faces={faces} live={false} />
          </section>
        </div>
      ) : (
        <div className="grid gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
          <div className="space-y-2">
            <div
              className={`card flex flex-col items-center gap-2 border-2 border-dashed ${dragging ? 'border-indigo-500' : 'border-slate-300'}`}
              onDragOver={(e) => {
                e.preventDefault();
                setDragging(true);
              }}
              onDragLeave={() => setDragging(false)}
              onDrop={(e) => {
                e.preventDefault();
                setDragging(false);
                void classifyFile(e.dataTransfer.files[0]);
              }}
            >
              <p className="text-sm text-slate-600">Drop a photo here, or choose one:</p>
              <label className="label" htmlFor="preview-photo">
                Photo
              </label>
              <input
                id="preview-photo"
                type="file"
                accept="image/*"
                className="input"
                disabled={!models}
                onChange={(e) => void classifyFile(e.target.files?.[0])}
              />
            </div>
            <canvas ref={photoRef} className="block h-auto max-w-full rounded-md" aria-label={photoState.name ? `Classified photo ${photoState.name}` : undefined} />
            {photoState.busy && <p role="status">Classifying {photoState.name}…</p>}
            {photoState.error && (
              <p className="alert-error" role="alert">
                {photoState.error}
              </p>
            )}
          </div>
          <section aria-label="Faces in the photo" data-testid="photo-results" data-done-file={photoFaces && !photoState.busy ? photoState.name : ''}>
            <h2 className="mb-2 font-medium">Faces</h2>
            {photoFaces ? <FaceList faces={photoFaces} live /> : <p className="text-sm text-slate-600">No photo yet.</p>}
          </section>
        </div>
      )}
    </div>
  );
}
