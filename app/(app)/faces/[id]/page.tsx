import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { may } from '@/lib/auth/policy';
import { CLASS_NAMES, type Label } from '@/lib/classes';
import { faceForViewer } from '@/lib/dataset/reviews';
import { FaceCrop, LabelBadge, PhotoWithBox } from '@/app/_components/faces';
import { Relabel } from './relabel';

export const metadata: Metadata = { title: 'Face' };

const name = (l: string | null) => (l === null ? 'unlabelled' : (CLASS_NAMES[l as Label] ?? l));
const KIND: Record<string, string> = { label: 'labelled', undo: 'undid', resolve: 'resolved a disagreement', import: 'imported' };

export default async function FacePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await pageGuard('viewer', `/faces/${id}`);
  // A reviewer with a pending second opinion on this face sees neither its label nor its history.
  const found = await faceForViewer(db(), actor, id);
  if (!found) notFound();
  const { face, history, blind } = found;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Face</h1>
      <div className="grid gap-4 md:grid-cols-[16rem_1fr]">
        <div className="card space-y-2">
          <FaceCrop id={face.id} className="aspect-square w-full rounded bg-slate-100 object-contain" />
          <p className="flex items-center gap-2 text-sm" data-testid="face-label">
            {blind ? (
              <span data-testid="face-blind">Label hidden: you owe this face a blind second opinion (see Reviews).</span>
            ) : (
              <>
                Label: <LabelBadge label={face.label} />
              </>
            )}
          </p>
          <dl className="space-y-0.5 text-xs text-slate-600">
            <div>
              <dt className="inline">Photo: </dt>
              <dd className="inline break-all">{face.photo.originalName}</dd>
            </div>
            <div>
              <dt className="inline">Uploaded by: </dt>
              <dd className="inline break-all">{face.photo.uploader.name || face.photo.uploader.email}</dd>
            </div>
            <div>
              <dt className="inline">Sample: </dt>
              <dd className="inline">{face.wholeImage ? 'whole image' : `detected face #${face.index + 1}`}</dd>
            </div>
            {face.split && (
              <div>
                <dt className="inline">Split: </dt>
                <dd className="inline">{face.split}</dd>
              </div>
            )}
          </dl>
        </div>
        <div className="card">
          <PhotoWithBox photoId={face.photoId} photo={face.photo} box={{ x: face.x, y: face.y, w: face.w, h: face.h }} className="max-h-[28rem] w-full bg-slate-900" />
        </div>
      </div>
      {may.label(actor) && !blind && (
        <section className="card" aria-labelledby="relabel">
          <h2 id="relabel" className="mb-2 font-medium">
            Change the label
          </h2>
          <Relabel faceId={face.id} current={face.label} />
        </section>
      )}
      <section className="card" aria-labelledby="history">
        <h2 id="history" className="mb-2 font-medium">
          History
        </h2>
        {blind ? (
          <p className="text-sm text-slate-600">Hidden until you have given your second opinion.</p>
        ) : history.length === 0 ? (
          <p className="text-sm text-slate-600">Never labelled.</p>
        ) : (
          <ol className="space-y-1 text-sm" data-testid="face-history">
            {history.map((h) => (
              <li key={h.id} className="border-t border-slate-100 pt-1" data-kind={h.kind}>
                <time dateTime={h.at.toISOString()} className="tabular-nums text-slate-500">
                  {h.at.toISOString().replace('T', ' ').slice(0, 19)} UTC
                </time>{' '}
                · {h.user.name || h.user.email} {KIND[h.kind] ?? h.kind}: {name(h.oldLabel)} → <strong>{name(h.newLabel)}</strong>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
