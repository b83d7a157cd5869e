'use client';
// Photo mode: a dropped or chosen photo, classified in the browser, with its faces boxed and listed.
import { useCallback, useRef, useState } from 'react';
import type * as TF from '@tensorflow/tfjs';
import { classifyImage, type FaceResult, type InferenceModels } from '@/lib/inference/classify';
import type { Tf } from '@/lib/inference/types';
import { drawFaces, FaceList } from './face-list';

export function PhotoPanel({ tf, models }: { tf: Tf | null; models: InferenceModels | null }) {
  const photoRef = useRef<HTMLCanvasElement>(null);
  const [photoFaces, setPhotoFaces] = useState<FaceResult[] | null>(null);
  const [photoState, setPhotoState] = useState<{ busy: boolean; error: string; name: string }>({ busy: false, error: '', name: '' });
  const [dragging, setDragging] = useState(false);

  const classifyFile = useCallback(
    async (file: File | undefined) => {
      if (!file || !models || !tf) return;
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
        const img = tf.browser.fromPixels(canvas) as TF.Tensor3D;
        let result: FaceResult[];
        try {
          result = await classifyImage(tf, models, img);
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
    [tf, models],
  );

  return (
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
  );
}
