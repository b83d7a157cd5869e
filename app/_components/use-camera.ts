'use client';
// The webcam, for the live preview and the camera capture page: opens a stream into the caller's <video>,
// stops it (and on unmount), and says why it could not start, in words a user can act on.
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';

export type CameraStatus = 'idle' | 'starting' | 'on' | 'failed';
/** Why the camera did not start: no camera API here (needs HTTPS or localhost), permission denied, no camera, in use, other. */
export type CameraFailure = { kind: 'unsupported' | 'denied' | 'missing' | 'busy' | 'error'; message: string };

function failureOf(err: unknown): CameraFailure {
  const name = (err as DOMException)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return { kind: 'denied', message: 'Camera access was denied.' };
  if (name === 'NotReadableError') return { kind: 'busy', message: 'The camera is in use by another application.' };
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return { kind: 'missing', message: 'No camera was found on this device.' };
  return { kind: 'error', message: (err as Error)?.message ?? String(err) };
}

export function useCamera(video: RefObject<HTMLVideoElement | null>, ideal: { width: number; height: number }) {
  const stream = useRef<MediaStream | null>(null);
  const [status, setStatus] = useState<CameraStatus>('idle');
  const [failure, setFailure] = useState<CameraFailure | null>(null);
  const { width, height } = ideal;

  const stop = useCallback(() => {
    stream.current?.getTracks().forEach((t) => t.stop());
    stream.current = null;
    if (video.current) video.current.srcObject = null;
    setStatus('idle');
  }, [video]);
  useEffect(() => stop, [stop]);

  /** Opens the camera into the video element; true when it plays. */
  const start = useCallback(async (): Promise<boolean> => {
    setFailure(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      setFailure({ kind: 'unsupported', message: 'This browser gives no camera access to this page (a camera needs HTTPS or localhost).' });
      setStatus('failed');
      return false;
    }
    setStatus('starting');
    try {
      const s = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: width }, height: { ideal: height } }, audio: false });
      stream.current = s;
      if (video.current) {
        video.current.srcObject = s;
        await video.current.play();
      }
      setStatus('on');
      return true;
    } catch (err) {
      setFailure(failureOf(err));
      setStatus('failed');
      return false;
    }
  }, [video, width, height]);

  /** Reports a failure found after the start (e.g. inference on the frames stopped). */
  const fail = useCallback((message: string) => {
    setFailure({ kind: 'error', message });
    setStatus('failed');
  }, []);

  return { status, failure, start, stop, fail };
}
