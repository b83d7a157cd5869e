'use client';
// The grid: a page of thumbnails. Click selects one, Ctrl/⌘-click toggles, Shift-click
// selects a range; a class key (1–4, X) labels the whole selection in one POST.
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import { CLASS_COLORS, CLASS_KEYS, CLASS_NAMES, CLASSES, EXCLUDED, type Label } from '@/lib/classes';
import type { FaceCard } from '@/lib/dataset/labels';
import { FaceCrop, LabelBadge } from '@/app/_components/faces';
import { Message, type Msg } from '@/app/_components/message';

export function LabelGrid({ faces }: { faces: FaceCard[] }) {
  const router = useRouter();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [anchor, setAnchor] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [ready, setReady] = useState(false);
  const [msg, setMsg] = useState<Msg>(null);
  const sel = useRef(selected);
  sel.current = selected;

  useEffect(() => {
    setSelected(new Set());
    setAnchor(null);
  }, [faces]);

  const onPick = (i: number, e: React.MouseEvent | React.KeyboardEvent) => {
    const id = faces[i].id;
    if (e.shiftKey && anchor !== null) {
      const [a, b] = anchor < i ? [anchor, i] : [i, anchor];
      setSelected((s) => new Set([...(e.ctrlKey || e.metaKey ? s : []), ...faces.slice(a, b + 1).map((f) => f.id)]));
      return;
    }
    if (e.ctrlKey || e.metaKey) {
      setSelected((s) => {
        const n = new Set(s);
        if (n.has(id)) n.delete(id);
        else n.add(id);
        return n;
      });
    } else {
      setSelected((s) => (s.size === 1 && s.has(id) ? new Set() : new Set([id])));
    }
    setAnchor(i);
  };

  const assign = useCallback(
    async (label: Label) => {
      const ids = [...sel.current];
      if (ids.length === 0) return setMsg({ kind: 'error', text: 'Select faces first (click, Shift-click, Ctrl-click).' });
      setBusy(true);
      try {
        const res = await fetch('/api/labels', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ faceIds: ids, label }) });
        const data = await res.json().catch(() => ({}));
        if (!res.ok) throw new Error(data.error ?? `The server answered ${res.status}`);
        setMsg({ kind: 'ok', text: `${CLASS_NAMES[label]}: ${data.changed.length} face(s) labelled${data.unchanged ? `, ${data.unchanged} already were` : ''}.` });
        setSelected(new Set());
        router.refresh();
      } catch (e) {
        setMsg({ kind: 'error', text: `Not saved: ${(e as Error).message}` });
      } finally {
        setBusy(false);
      }
    },
    [router],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'a') {
        setSelected(new Set(faces.map((f) => f.id)));
        e.preventDefault();
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const k = e.key.toLowerCase();
      if (CLASS_KEYS[k]) assign(CLASS_KEYS[k]);
      else if (k === 'x') assign(EXCLUDED);
      else if (e.key === 'Escape') setSelected(new Set());
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    setReady(true);
    return () => window.removeEventListener('keydown', onKey);
  }, [assign, faces]);

  return (
    <div className="space-y-3" data-testid="label-grid" data-ready={ready}>
      <div className="card flex flex-wrap items-center gap-2 text-sm" aria-label="Selection">
        <span data-testid="grid-selected">{selected.size} selected</span>
        {CLASSES.map((c, i) => (
          <button key={c} type="button" className="btn-secondary" disabled={busy || selected.size === 0} onClick={() => assign(c)}>
            <kbd className="font-mono text-xs">{i + 1}</kbd>
            <span className="h-3 w-3 rounded-full" style={{ background: CLASS_COLORS[c] }} aria-hidden />
            {CLASS_NAMES[c]}
          </button>
        ))}
        <button type="button" className="btn-secondary" disabled={busy || selected.size === 0} onClick={() => assign(EXCLUDED)}>
          <kbd className="font-mono text-xs">X</kbd> Exclude
        </button>
        <button type="button" className="btn-secondary" onClick={() => setSelected(new Set(faces.map((f) => f.id)))}>
          Select page (Ctrl+A)
        </button>
        <button type="button" className="btn-secondary" disabled={selected.size === 0} onClick={() => setSelected(new Set())}>
          Clear (Esc)
        </button>
      </div>
      <Message msg={msg} />
      {faces.length === 0 ? (
        <p className="card text-slate-600">No faces match these filters.</p>
      ) : (
        <ul className="grid grid-cols-3 gap-2 sm:grid-cols-5 md:grid-cols-6 lg:grid-cols-8" aria-label="Faces">
          {faces.map((f, i) => {
            const on = selected.has(f.id);
            return (
              <li key={f.id}>
                <button
                  type="button"
                  data-testid="grid-face"
                  data-face-id={f.id}
                  aria-pressed={on}
                  onClick={(e) => onPick(i, e)}
                  className={`block w-full overflow-hidden rounded-md border-2 bg-white text-left ${on ? 'border-indigo-600 ring-2 ring-indigo-300' : 'border-transparent'}`}
                >
                  <FaceCrop id={f.id} alt={`Face ${i + 1}`} className="aspect-square w-full bg-slate-100 object-cover" />
                  <span className="flex items-center justify-between p-1">
                    <LabelBadge label={f.label} />
                    {f.wholeImage && <span className="text-[10px] text-slate-500">whole</span>}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
