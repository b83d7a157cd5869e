'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { CLASS_COLORS, CLASS_NAMES, LABELS, type Label } from '@/lib/classes';

/** Labelers change a face's label here; the change joins the history below. */
export function Relabel({ faceId, current }: { faceId: string; current: string | null }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const set = (label: Label) =>
    start(async () => {
      setError(null);
      const res = await fetch('/api/labels', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ faceIds: [faceId], label }) });
      if (!res.ok) setError(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `The server answered ${res.status}`);
      else router.refresh();
    });
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2" role="group" aria-label="Change the label">
        {LABELS.map((l) => (
          <button key={l} type="button" className="btn-secondary" disabled={pending || l === current} aria-pressed={l === current} onClick={() => set(l)}>
            <span className="h-3 w-3 rounded-full" style={{ background: CLASS_COLORS[l] }} aria-hidden />
            {CLASS_NAMES[l]}
          </button>
        ))}
      </div>
      {error && (
        <p role="alert" className="alert-error">
          {error}
        </p>
      )}
    </div>
  );
}
