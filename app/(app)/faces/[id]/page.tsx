import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { may } from '@/lib/auth/policy';
import { CLASS_NAMES, type Label } from '@/lib/classes';
import { faceForViewer } from '@/lib/dataset/reviews';
import { FaceCrop, LabelBadge, PhotoWithBox } from '@/app/_components/faces';
import { boxHistory, type BoxKind } from '@/lib/dataset/boxes';
import Link from 'next/link';
import { Relabel } from './relabel';

export const metadata: Metadata = { title: 'Face' };

const name = (l: string | null) => (l === null ? 'unlabelled' : (CLASS_NAMES[l as Label] ?? l));
const KIND: Record<string, string> = { label: 'labelled', undo: 'undid', resolve: 'resolved a disagreement', import: 'imported', deleted: 'deleted the face' };
const BOX: Record<BoxKind, string> = { 'box-added': 'box added', 'box-moved': 'box moved', 'box-deleted': 'box deleted' };
const boxText = (json: string | null) => {
  if (!json) return '';
  const b = JSON.parse(json) as { x: number; y: number; w: number; h: number };
  return `${Math.round(b.w)}×${Math.round(b.h)} at ${Math.round(b.x)},${Math.round(b.y)}`;
};

export default async function FacePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await pageGuard('viewer', `/faces/${id}`);
  // A reviewer with a pending second opinion on this face sees neither its label nor its history.
  const found = await faceForViewer(db(), actor, id);
  if (!found) notFound();
  const { face, history, blind } = found;
  // Label events and box events (who added, moved or deleted the box) in one list, newest first (as the label history is).
  const boxes = await boxHistory(db(), face.id);
  const entries = [
    ...history.map((h) => ({ key: h.id, at: h.at, kind: h.kind, who: h.user.name || h.user.email, label: h, box: null })),
    ...boxes.map((b) => ({ key: b.id, at: b.at, kind: b.kind, who: b.user.name || b.user.email, label: null, box: b })),
  ].sort((a, b) => b.at.getTime() - a.at.getTime());
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Face</h1>
      <div className="grid gap-4 md:grid-cols-[16rem_1fr]">
        <div className="card space-y-2">
          <FaceCrop id={face.id} version={face.index} className="aspect-square w-full rounded bg-slate-100 object-contain" />
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
              <dd className="inline">
                {face.wholeImage ? 'whole image' : face.score === null ? `face box drawn by hand #${face.index + 1}` : `detected face #${face.index + 1}`}
                {may.editBoxes(actor) && (
                  <>
                    {' '}
                    (
                    <Link className="underline" href={`/photos/${face.photoId}`}>
                      fix the box on its photo
                    </Link>
                    )
                  </>
                )}
              </dd>
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
        ) : entries.length === 0 ? (
          <p className="text-sm text-slate-600">Never labelled.</p>
        ) : (
          <ol className="space-y-1 text-sm" data-testid="face-history">
            {entries.map((h) => (
              <li key={h.key} className="border-t border-slate-100 pt-1" data-kind={h.kind}>
                <time dateTime={h.at.toISOString()} className="tabular-nums text-slate-500">
                  {h.at.toISOString().replace('T', ' ').slice(0, 19)} UTC
                </time>{' '}
                ·{' '}
                {h.label ? (
                  <>
                    {h.who} {KIND[h.kind] ?? h.kind}: {name(h.label.oldLabel)} → <strong>{name(h.label.newLabel)}</strong>
                  </>
                ) : (
                  <>
                    <strong>{BOX[h.kind as BoxKind] ?? h.kind}</strong> by {h.who}
                    {h.box?.newBox ? ` (${h.box.oldBox ? `${boxText(h.box.oldBox)} → ` : ''}${boxText(h.box.newBox)})` : ''}
                    {h.box?.note ? ` · ${h.box.note}` : ''}
                  </>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
