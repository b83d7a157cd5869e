// Face analysis off the calling thread: the web process's uploads, predict and the preview's capture (and
// imports in the worker) send the decoded photo to a model thread (lib/models/threads.ts; MASKLAB_WORKER_THREADS
// threads, started on first use) instead of running detection on their own event loop.
import { config } from '../config';
import type { RgbImage } from '../images';
import { processPool, type ThreadPool } from '../models/threads';
import type { PhotoAnalysis } from './pipeline';

/** The process's face-analysis threads, or null when MASKLAB_WORKER_THREADS is 0. */
export function faceThreads(): ThreadPool | null {
  return processPool('lib/faces/thread-main.ts', 'face analysis', config().workerThreads);
}

/** `analyseImage` on a model thread (on this thread when there are none). */
export async function analyseOffThread(rgb: RgbImage): Promise<PhotoAnalysis> {
  const pool = faceThreads();
  const local = async () => (await import('./pipeline')).analyseImage(rgb);
  if (!pool) return local();
  // Copied once into a buffer that moves to the thread (the caller keeps its own for the derived images).
  const data = new Uint8Array(rgb.data);
  const a = await pool.runOr<PhotoAnalysis>('analyse', { data, width: rgb.width, height: rgb.height }, [data.buffer], local);
  // Buffers arrive as plain Uint8Arrays.
  return { ...a, samples: a.samples.map((s) => ({ ...s, cropJpeg: Buffer.from(s.cropJpeg.buffer, s.cropJpeg.byteOffset, s.cropJpeg.byteLength) })) };
}
