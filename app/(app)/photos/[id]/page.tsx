import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { may } from '@/lib/auth/policy';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { photoDetail } from '@/lib/dataset/gallery';
import { blindFaceIds, redactBlind } from '@/lib/dataset/reviews';
import { MIN_BOX_PX } from '@/lib/dataset/boxes';
import { faceBoxOf } from '@/lib/faces/box';
import { BoxEditor } from './box-editor';
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
        <BoxEditor
          photoId={photo.id}
          width={photo.width}
          height={photo.height}
          alt={photo.originalName}
          canEdit={may.editBoxes(actor)}
          minPx={MIN_BOX_PX}
          faces={photo.faces.map((f) => {
            const crop = { x: f.x, y: f.y, w: f.w, h: f.h };
            return { id: f.id, index: f.index, label: f.label, wholeImage: f.wholeImage, crop, face: faceBoxOf(crop, photo.width, photo.height) };
          })}
        />
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
                <img src={`/api/faces/${f.id}/image?v=${f.index}`} alt={`Sample ${f.index + 1}`} className="aspect-square w-full rounded border border-slate-200 object-cover" />
                <p className="mt-1">
                  <Link className="underline" href={`/faces/${f.id}`}>
                    #{f.index + 1}
                  </Link>{' '}
                  · {f.label ?? 'unlabelled'}
                </p>
                <p className="text-xs text-slate-500">
                  {f.wholeImage ? 'whole image' : f.score === null ? 'face box drawn by hand' : 'face crop'}
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
