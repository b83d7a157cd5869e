import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { may } from '@/lib/auth/policy';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { photoDetail } from '@/lib/dataset/gallery';
import { blindFaceIds, redactBlind } from '@/lib/dataset/reviews';
import { DeletePhotoButton } from './delete-button';

export const metadata: Metadata = { title: 'Photo' };

export default async function PhotoPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await pageGuard('viewer', `/photos/${id}`);
  const found = await photoDetail(db(), id);
  if (!found) notFound();
  // A pending second opinion of this user's: that face's label is not shown.
  const photo = { ...found, faces: redactBlind(found.faces, await blindFaceIds(db(), actor)) };
  const canDelete = may.deletePhoto(actor, { uploaderId: photo.uploader.id });
  const stroke = Math.max(2, Math.round(Math.max(photo.width, photo.height) / 300));
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="break-all text-2xl font-semibold">{photo.originalName}</h1>
        <div className="flex gap-2">
          <Link href="/gallery?view=photos" className="btn-secondary">
            Back to the gallery
          </Link>
          {canDelete && <DeletePhotoButton id={photo.id} faces={photo.faces.length} />}
        </div>
      </div>
      <p className="text-sm text-slate-600">
        {photo.width}×{photo.height} {photo.format.toUpperCase()}, {(photo.bytes / 1024).toFixed(0)} KB · {photo.source} by{' '}
        {photo.uploader.name || photo.uploader.email} on {photo.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC ·{' '}
        <span data-testid="face-count">
          {photo.faces.length} {photo.faces.length === 1 ? 'sample' : 'samples'}
        </span>
      </p>
      <figure className="card">
        <div className="relative mx-auto max-w-4xl">
          <img src={`/api/photos/${photo.id}/image`} alt={photo.originalName} className="block h-auto w-full" />
          <svg
            viewBox={`0 0 ${photo.width} ${photo.height}`}
            className="pointer-events-none absolute inset-0 h-full w-full"
            aria-hidden="true"
            data-testid="face-boxes"
          >
            {photo.faces
              .filter((f) => !f.wholeImage)
              .map((f) => (
                <g key={f.id}>
                  <rect x={f.x} y={f.y} width={f.w} height={f.h} fill="none" stroke="#4f46e5" strokeWidth={stroke} />
                  <text x={f.x + stroke * 2} y={f.y + stroke * 8} fill="#fff" stroke="#4f46e5" strokeWidth={stroke / 2} fontSize={stroke * 8} fontWeight="bold">
                    {f.index + 1}
                  </text>
                </g>
              ))}
          </svg>
        </div>
        <figcaption className="mt-2 text-center text-sm text-slate-500">
          {photo.faces.some((f) => f.wholeImage) ? 'No separate face found: the whole photo is one sample.' : 'Face boxes as found by the detector (with margin).'}
        </figcaption>
      </figure>
      <section aria-labelledby="faces-title" className="card">
        <h2 id="faces-title" className="mb-3 font-medium">
          Samples
        </h2>
        <ul className="grid grid-cols-2 gap-4 sm:grid-cols-4 lg:grid-cols-6">
          {photo.faces.map((f) => {
            const near = photo.near.filter((n) => n.groupId === f.groupId);
            return (
              <li key={f.id} id={`face-${f.index}`} data-testid="photo-face" className="text-sm">
                <img src={`/api/faces/${f.id}/image`} alt={`Sample ${f.index + 1}`} className="aspect-square w-full rounded border border-slate-200 object-cover" />
                <p className="mt-1">
                  #{f.index + 1} · {f.label ?? 'unlabelled'}
                </p>
                <p className="text-xs text-slate-500">
                  {f.wholeImage ? 'whole image' : 'face crop'}
                  {f.score !== null ? ` · score ${f.score.toFixed(2)}` : ''}
                </p>
                {near.length > 0 && (
                  <p className="text-xs text-amber-700">
                    Near-duplicate of{' '}
                    {near.slice(0, 3).map((n, i) => (
                      <span key={n.id}>
                        {i > 0 && ', '}
                        <Link className="underline" href={`/photos/${n.photoId}`}>
                          another photo
                        </Link>
                      </span>
                    ))}
                    {near.length > 3 ? ` and ${near.length - 3} more` : ''}
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );
}
