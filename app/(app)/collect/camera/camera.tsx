'use client';

import Link from 'next/link';
import { useCallback, useRef, useState } from 'react';
import { AfterUploadLinks } from '../next-links';
import { type Result, sendImages } from '../transfer';
import { useCamera } from '@/app/_components/use-camera';
import { CLASS_NAMES, type Label } from '@/lib/classes';

const BURST_MS = 500;
const MAX_IN_FLIGHT = 2;

export function Camera({ classes }: { classes: string[] }) {
  const video = useRef<HTMLVideoElement>(null);
  const camera = useCamera(video, { width: 1280, height: 720 });
  const burst = useRef<number | null>(null);
  const pending = useRef<Array<{ file: File; path: string }>>([]);
  const inFlight = useRef(0);
  const [label, setLabel] = useState('');
  const [recording, setRecording] = useState(false);
  const [taken, setTaken] = useState(0);
  const [results, setResults] = useState<Result[]>([]);
  const labelRef = useRef(label);
  labelRef.current = label;

  const pump = useCallback(() => {
    while (inFlight.current < MAX_IN_FLIGHT && pending.current.length) {
      const item = pending.current.shift()!;
      inFlight.current++;
      void sendImages([item], { label: labelRef.current, source: 'camera' }, () => {}).then((r) => {
        inFlight.current--;
        setResults((prev) => [...r, ...prev].slice(0, 200));
        pump();
      });
    }
  }, []);

  const enqueue = useCallback(
    (file: File) => {
      pending.current.push({ file, path: file.name });
      setTaken((n) => n + 1);
      pump();
    },
    [pump],
  );

  const on = camera.status === 'on';
  const { failure } = camera;
  const error = !failure
    ? null
    : failure.kind === 'unsupported'
      ? 'This browser cannot open the camera here (it needs HTTPS or localhost). Use the photo button below instead.'
      : `The camera could not be opened: ${failure.message.replace(/\.?$/, '.')} Allow camera access, or use the photo button below.`;

  const snap = useCallback(() => {
    const v = video.current;
    if (!v || !v.videoWidth) return;
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext('2d')!.drawImage(v, 0, 0);
    canvas.toBlob(
      (blob) => {
        if (blob) enqueue(new File([blob], `camera-${new Date().toISOString().replace(/[:.]/g, '-')}.jpg`, { type: 'image/jpeg' }));
      },
      'image/jpeg',
      0.92,
    );
  }, [enqueue]);

  const startBurst = () => {
    if (burst.current !== null) return;
    snap();
    burst.current = window.setInterval(snap, BURST_MS);
    setRecording(true);
  };
  const stopBurst = () => {
    if (burst.current !== null) window.clearInterval(burst.current);
    burst.current = null;
    setRecording(false);
  };

  const counts = { added: 0, duplicate: 0, rejected: 0, faces: 0 };
  for (const r of results) {
    counts[r.status]++;
    if (r.status === 'added') counts.faces += r.faces;
  }
  const ready = !!label;

  return (
    <div className="space-y-4">
      <div className="card flex flex-wrap items-end gap-3">
        <div>
          <label className="label" htmlFor="cam-class">
            Class of the people in view
          </label>
          <select id="cam-class" className="input" value={label} onChange={(e) => setLabel(e.target.value)}>
            <option value="">Pick a class first…</option>
            {classes.map((c) => (
              <option key={c} value={c}>
                {CLASS_NAMES[c as Label] ?? c}
              </option>
            ))}
          </select>
        </div>
        {on ? (
          <button type="button" className="btn-secondary" onClick={camera.stop}>
            Stop camera
          </button>
        ) : (
          <button type="button" className="btn-primary" onClick={() => void camera.start()} disabled={!ready || camera.status === 'starting'}>
            Start camera
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="alert-error">
          {error}
        </p>
      )}
      <div className="card space-y-3">
        <video ref={video} muted playsInline className={`mx-auto max-h-[60vh] rounded bg-black ${on ? '' : 'hidden'}`} aria-label="Camera preview" />
        {on && (
          <div className="flex flex-wrap justify-center gap-3">
            <button type="button" className="btn-primary" onClick={snap} disabled={!ready}>
              Take photo
            </button>
            <button
              type="button"
              className={recording ? 'btn-danger' : 'btn-secondary'}
              disabled={!ready}
              aria-pressed={recording}
              onPointerDown={startBurst}
              onPointerUp={stopBurst}
              onPointerLeave={stopBurst}
              onPointerCancel={stopBurst}
              onKeyDown={(e) => {
                if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) {
                  e.preventDefault();
                  startBurst();
                }
              }}
              onKeyUp={(e) => {
                if (e.key === ' ' || e.key === 'Enter') stopBurst();
              }}
              onBlur={stopBurst}
            >
              {recording ? 'Recording… release to stop' : 'Hold to record a burst'}
            </button>
          </div>
        )}
        <div className="text-center">
          <label className={`btn-secondary cursor-pointer focus-within:outline focus-within:outline-2 focus-within:outline-indigo-600 ${ready ? '' : 'pointer-events-none opacity-50'}`}>
            {on ? 'Or use the device camera app' : 'Take a photo with the device camera'}
            <input
              type="file"
              accept="image/*"
              capture="environment"
              multiple
              className="sr-only"
              disabled={!ready}
              data-testid="camera-file"
              onChange={(e) => {
                for (const f of Array.from(e.currentTarget.files ?? [])) enqueue(f);
                e.currentTarget.value = '';
              }}
            />
          </label>
        </div>
      </div>
      <section className="card" aria-labelledby="cam-results">
        <h2 id="cam-results" className="font-medium">
          Frames
        </h2>
        <p role="status" className="text-sm" data-testid="camera-summary">
          {taken} taken · {counts.added} added ({counts.faces} {counts.faces === 1 ? 'face' : 'faces'}), {counts.duplicate} duplicates, {counts.rejected} rejected
          {counts.added > 0 && <AfterUploadLinks faces={counts.faces} galleryText="Gallery" />}
        </p>
        <ul className="mt-2 max-h-64 space-y-0.5 overflow-y-auto text-sm">
          {results.map((r, i) => (
            <li key={i} className={r.status === 'rejected' ? 'text-red-700' : r.status === 'duplicate' ? 'text-amber-700' : 'text-emerald-700'}>
              {r.file}:{' '}
              {r.status === 'added' ? (
                <Link className="underline" href={`/photos/${r.photoId}`}>
                  {r.faces} {r.faces === 1 ? 'face' : 'faces'}
                </Link>
              ) : (
                r.reason
              )}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
