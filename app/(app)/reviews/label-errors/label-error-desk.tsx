'use client';

import { QueueJobButton } from '@/app/_components/queue-job-button';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { CLASS_KEYS, CLASS_NAMES, CLASSES, EXCLUDED, type Label } from '@/lib/classes';
import type { LabelErrorItem } from '@/lib/label-errors/db';
import { FaceCrop, LabelBadge } from '@/app/_components/faces';
import { Message } from '@/app/_components/message';
import { useAction } from '@/app/_components/use-action';
import { findLabelErrorsAction, keepLabelAction, relabelAction } from './actions';

export function FindButton() {
  return (
    <QueueJobButton
      label="Find label errors"
      action={() => findLabelErrorsAction({})}
      queued="Queued: the worker scores every labelled face (its progress shows above; the list fills in when it ends)."
      already="A search is already queued or running."
    />
  );
}

const name = (l: string) => CLASS_NAMES[l as Label] ?? l;

/**
 * The ranked list; the selected face (the first, or the one clicked) takes the keys: K keeps its label,
 * 1–4 relabel it to that class, X excludes it.
 */
export function LabelErrorDesk({ items, canAct }: { items: LabelErrorItem[]; canAct: boolean }) {
  const router = useRouter();
  const { msg, pending, run } = useAction();
  const [selected, setSelected] = useState(0);
  const [ready, setReady] = useState(false);
  const current = items[Math.min(selected, items.length - 1)];
  const keep = (item: LabelErrorItem) =>
    run(
      () => keepLabelAction({ faceId: item.faceId }),
      () => {
        router.refresh();
        return `Kept ${name(item.label)} for ${item.file}.`;
      },
    );
  const relabel = (item: LabelErrorItem, label: Label) =>
    run(
      () => relabelAction({ faceId: item.faceId, label }),
      () => {
        router.refresh();
        return `Relabelled ${item.file}: ${name(item.label)} → ${name(label)}.`;
      },
    );
  useEffect(() => {
    if (!canAct) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || pending || !current) return;
      const t = e.target as HTMLElement | null;
      if (t && ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) return;
      const k = e.key.toLowerCase();
      if (k === 'k') keep(current);
      else if (CLASS_KEYS[k]) relabel(current, CLASS_KEYS[k]);
      else if (k === 'x') relabel(current, EXCLUDED);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }); // re-subscribed on every render, so the handler sees the current item
  useEffect(() => setReady(true), []);
  return (
    <div className="space-y-3" data-testid="label-errors" data-ready={ready}>
      {canAct && (
        <p className="text-sm text-slate-600">
          Select a face, then <kbd className="font-mono">K</kbd> keeps its label (it is right), <kbd className="font-mono">1</kbd>–<kbd className="font-mono">4</kbd>{' '}
          relabel it ({CLASSES.map((c, i) => `${i + 1} ${name(c)}`).join(', ')}), <kbd className="font-mono">X</kbd> excludes it.
        </p>
      )}
      <Message msg={msg} />
      <ol className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        {items.map((item, i) => {
          const isCurrent = current?.faceId === item.faceId;
          return (
            <li
              key={item.faceId}
              className={`card flex gap-3 ${isCurrent && canAct ? 'ring-2 ring-indigo-600' : ''}`}
              data-testid="label-error"
              data-face-id={item.faceId}
              data-label={item.label}
              data-current={isCurrent}
              onClick={() => setSelected(i)}
              onFocus={() => setSelected(i)}
            >
              <Link href={`/faces/${item.faceId}`} className="shrink-0" aria-label={`Open face ${item.file}`}>
                <FaceCrop id={item.faceId} className="h-24 w-24 rounded bg-slate-100 object-cover" alt={`Face from ${item.file}`} />
              </Link>
              <div className="min-w-0 space-y-1 text-sm">
                <p className="truncate text-xs text-slate-500" title={item.file}>
                  #{i + 1} · {item.file}
                </p>
                <p className="flex items-center gap-1">
                  Given: <LabelBadge label={item.label} />
                </p>
                <p className="flex items-center gap-1">
                  Model: <LabelBadge label={item.suggested} /> <span className="text-xs text-slate-500">({Math.round(100 * (item.probs[CLASSES.indexOf(item.suggested as never)] ?? 0))}%)</span>
                </p>
                <p className="text-xs text-slate-600">
                  Score <span data-testid="label-error-score">{item.score.toFixed(2)}</span>
                </p>
                {canAct && (
                  <div className="flex flex-wrap gap-1">
                    <button type="button" className="btn-secondary px-2 py-0.5 text-xs" disabled={pending} onClick={() => keep(item)}>
                      Keep
                    </button>
                    <button
                      type="button"
                      className="btn-secondary px-2 py-0.5 text-xs"
                      disabled={pending}
                      onClick={() => relabel(item, item.suggested as Label)}
                    >
                      Use {name(item.suggested)}
                    </button>
                  </div>
                )}
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
