'use client';
// Capture (labelers and admins): the current camera frame goes into the dataset through the ingest pipeline
// (POST /api/preview/capture, source "camera"), each face with the promoted model's suggestion, so the faces
// the model gets wrong in the room become training data. The C key does the same as the button.
import Link from 'next/link';
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { className } from './engine';

type Captured =
  | { status: 'added'; photoId: string; faces: { id: string; suggestion: { label: string; confidence: number } | null }[]; note?: string }
  | { status: 'duplicate'; photoId: string; reason: string };

/** The video's current frame as a JPEG. */
function grabFrame(video: HTMLVideoElement): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d')!.drawImage(video, 0, 0);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not encode the frame'))), 'image/jpeg', 0.92),
  );
}

export function CaptureButton({ videoRef, enabled }: { videoRef: RefObject<HTMLVideoElement | null>; enabled: boolean }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: Captured } | { error: string } | null>(null);
  const busyRef = useRef(false);

  const capture = useCallback(async () => {
    const video = videoRef.current;
    if (!video || !enabled || busyRef.current || video.videoWidth === 0) return;
    busyRef.current = true;
    setBusy(true);
    setResult(null);
    try {
      const blob = await grabFrame(video);
      const form = new FormData();
      form.append('image', new File([blob], `camera-${new Date().toISOString().replace(/[:.]/g, '-')}.jpg`, { type: 'image/jpeg' }));
      const res = await fetch('/api/preview/capture', { method: 'POST', body: form });
      const body = (await res.json().catch(() => ({}))) as Captured & { error?: string };
      if (!res.ok) throw new Error(body.error ?? `the server answered HTTP ${res.status}`);
      setResult({ ok: body });
    } catch (err) {
      setResult({ error: `The frame was not captured: ${(err as Error).message}` });
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  }, [videoRef, enabled]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'c' && e.key !== 'C') return;
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      e.preventDefault();
      void capture();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [capture]);

  return (
    <>
      <button type="button" className="btn-primary" onClick={() => void capture()} disabled={!enabled || busy} aria-keyshortcuts="c">
        {busy ? 'Capturing…' : 'Capture frame (C)'}
      </button>
      {result && 'error' in result && (
        <p className="alert-error w-full" role="alert">
          {result.error}
        </p>
      )}
      {result && 'ok' in result && (
        <p className="alert-ok w-full" role="status" data-testid="capture-result" data-photo={result.ok.photoId}>
          {result.ok.status === 'duplicate' ? (
            <>This frame is already in the dataset ({result.ok.reason}).</>
          ) : (
            <>
              Captured into the dataset: {result.ok.faces.length} face{result.ok.faces.length === 1 ? '' : 's'}
              {result.ok.faces.some((f) => f.suggestion) &&
                `, the model suggests ${result.ok.faces
                  .map((f) => (f.suggestion ? `${className(f.suggestion.label)} (${Math.round(f.suggestion.confidence * 100)}%)` : '?'))
                  .join(', ')}`}
              . Label {result.ok.faces.length === 1 ? 'it' : 'them'} on the <Link href="/label" className="underline">Label</Link> page
              {' '}(<Link href={`/photos/${result.ok.photoId}`} className="underline">the photo</Link>).
              {result.ok.note && ` ${result.ok.note}`}
            </>
          )}
        </p>
      )}
    </>
  );
}
