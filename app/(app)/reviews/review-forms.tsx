'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { CLASS_COLORS, CLASS_KEYS, CLASS_NAMES, CLASSES, EXCLUDED, type Label, LABELS } from '@/lib/classes';
import type { BlindReview, Disagreement } from '@/lib/dataset/reviews';
import { FaceCrop, LabelBadge, PhotoWithBox } from '@/app/_components/faces';
import { Message } from '@/app/_components/message';
import { useAction } from '@/app/_components/use-action';
import { SubmitRow } from '@/app/_components/fields';
import { answerReviewAction, requestReviewsAction, resolveReviewAction } from './actions';


/** The blind queue: the face without its first label; keys 1–4 and X answer. */
export function ReviewDesk({ review, waiting }: { review: BlindReview | null; waiting: number }) {
  const router = useRouter();
  const { msg, pending, run } = useAction();
  const [ready, setReady] = useState(false);
  const answer = (label: Label) => {
    if (!review || pending) return;
    run(
      () => answerReviewAction({ reviewId: review.reviewId, label }),
      () => {
        router.refresh();
        return 'Thanks, saved.';
      },
    );
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) return;
      const k = e.key.toLowerCase();
      if (CLASS_KEYS[k]) answer(CLASS_KEYS[k]);
      else if (k === 'x') answer(EXCLUDED);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }); // no dependency list: re-subscribed on every render, so the handler sees the current `answer`
  useEffect(() => setReady(true), []);
  if (!review) return <p className="text-sm text-slate-600" data-testid="review-empty">No second opinions are waiting for you.</p>;
  return (
    <div className="space-y-3" data-testid="review-desk" data-ready={ready}>
      <p className="text-sm text-slate-600">{waiting} waiting. Which class is this face? (The first label is hidden.)</p>
      <div className="grid gap-4 md:grid-cols-2" data-testid="review-face" data-face-id={review.face.id}>
        <FaceCrop id={review.face.id} className="aspect-square w-full rounded bg-slate-100 object-contain" />
        <PhotoWithBox photoId={review.face.photoId} photo={review.face.photo} box={review.face.box} className="w-full rounded bg-slate-900" />
      </div>
      <div className="flex flex-wrap gap-2" role="group" aria-label="Your label">
        {CLASSES.map((c, i) => (
          <button key={c} type="button" className="btn-secondary" disabled={pending} onClick={() => answer(c)}>
            <kbd className="font-mono text-xs">{i + 1}</kbd>
            <span className="h-3 w-3 rounded-full" style={{ background: CLASS_COLORS[c] }} aria-hidden />
            {CLASS_NAMES[c]}
          </button>
        ))}
        <button type="button" className="btn-secondary" disabled={pending} onClick={() => answer(EXCLUDED)}>
          <kbd className="font-mono text-xs">X</kbd> Exclude
        </button>
      </div>
      <Message msg={msg} />
    </div>
  );
}

export function RequestReviewsForm() {
  const { msg, pending, run, submit } = useAction();
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={submit((f) =>
        run(
          () => requestReviewsAction({ share: Number(f.get('share')) / 100 }),
          ({ created, reviewed, labelled }) =>
            created
              ? `Asked for ${created} second opinion(s); ${reviewed} of ${labelled} labelled faces now have one asked for.`
              : `Nothing to add: ${reviewed} of ${labelled} labelled faces already have a second opinion asked for.`,
        ),
      )}
    >
      <div>
        <label className="label" htmlFor="share">
          Share of labelled faces (%)
        </label>
        <input id="share" name="share" type="number" min={1} max={100} step={1} defaultValue={10} required className="input w-32" />
      </div>
      <SubmitRow label="Ask for second opinions" busy="Asking…" pending={pending} msg={msg} />
    </form>
  );
}

export function DisagreementRow({ d }: { d: Disagreement }) {
  const router = useRouter();
  const { msg, pending, run } = useAction();
  const resolve = (label: Label) => run(() => resolveReviewAction({ reviewId: d.reviewId, label }), () => router.refresh());
  return (
    <li className="card grid gap-3 sm:grid-cols-[8rem_1fr]" data-testid={`disagreement-${d.face.id}`}>
      <Link href={`/faces/${d.face.id}`} aria-label="Open the face and its history">
        <FaceCrop id={d.face.id} className="aspect-square w-full rounded bg-slate-100 object-cover" />
      </Link>
      <div className="space-y-2 text-sm">
        <p>
          First: <LabelBadge label={d.firstLabel} /> by {d.firstUser ?? 'unknown'} · Second: <LabelBadge label={d.secondLabel} /> by {d.reviewer ?? 'unknown'}
        </p>
        <div className="flex flex-wrap gap-1.5" role="group" aria-label="Decide the label">
          {LABELS.map((l) => (
            <button key={l} type="button" className="btn-secondary" disabled={pending} onClick={() => resolve(l)}>
              {CLASS_NAMES[l]}
            </button>
          ))}
        </div>
        <Message msg={msg} />
      </div>
    </li>
  );
}
