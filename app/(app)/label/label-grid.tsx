'use client';
// The grid: a page of thumbnails. Click selects one, Ctrl/⌘-click toggles, Shift-click
// selects a range, "Select all matching" selects the whole filter (resolved on the server); a class
// key (1–4, X) labels the whole selection in one POST, "Accept suggestions" gives each face the
// model's suggestion (after a confirmation with the count). Undo reverts the last action, all of it.
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import { CLASS_COLORS, CLASS_KEYS, CLASS_NAMES, CLASSES, EXCLUDED, type FaceClass, type Label } from '@/lib/classes';
import type { FaceCard } from '@/lib/dataset/labels';
import type { FaceFilter } from '@/lib/dataset/gallery';
import { FaceCrop, LabelBadge } from '@/app/_components/faces';
import { Message, type Msg } from '@/app/_components/message';

type Selection = { faceIds: string[] } | { filter: Record<string, string | number> };

async function post<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((data as { error?: string }).error ?? `The server answered ${res.status}`);
  return data as T;
}

export function LabelGrid({ faces, total = faces.length, filter, maxSelection = 5000 }: {
  faces: FaceCard[];
  /** Faces matching the filter (all pages). */
  total?: number;
  /** The filter of the page: "select all matching" acts on it. */
  filter?: Omit<FaceFilter, 'page' | 'pageSize'>;
  maxSelection?: number;
}) {
  const router = useRouter();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  /** "All matching the filter" is selected (not only ids on this page). */
  const [all, setAll] = useState(false);
  const [anchor, setAnchor] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [ready, setReady] = useState(false);
  const [msg, setMsg] = useState<Msg>(null);
  const sel = useRef(selected);
  sel.current = selected;

  const allRef = useRef(all);
  allRef.current = all;

  useEffect(() => {
    setSelected(new Set());
    setAll(false);
    setAnchor(null);
  }, [faces]);

  const filterBody = useCallback((): Record<string, string | number> => {
    const out: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(filter ?? {})) if (v !== undefined && v !== '') out[k] = v as string | number;
    return out;
  }, [filter]);

  /** The selection as the API takes it, or null when nothing is selected. */
  const selection = useCallback((): Selection | null => {
    if (allRef.current) return { filter: filterBody() };
    const ids = [...sel.current];
    return ids.length ? { faceIds: ids } : null;
  }, [filterBody]);

  const count = all ? total : selected.size;

  const onPick = (i: number, e: React.MouseEvent | React.KeyboardEvent) => {
    setAll(false);
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

  /**
   * One bulk request on the selection: busy while it runs, errors shown; `fn` returns what to say
   * (the selection is then cleared and the page refreshed), an error to show, or null to do nothing.
   */
  const bulk = useCallback(
    async (fn: () => Promise<{ ok: string } | { error: string } | null>) => {
      setBusy(true);
      try {
        const out = await fn();
        if (!out) return;
        if ('error' in out) return setMsg({ kind: 'error', text: out.error });
        setMsg({ kind: 'ok', text: out.ok });
        setSelected(new Set());
        setAll(false);
        router.refresh();
      } catch (e) {
        setMsg({ kind: 'error', text: `Not saved: ${(e as Error).message}` });
      } finally {
        setBusy(false);
      }
    },
    [router],
  );

  const assign = useCallback(
    async (label: Label) => {
      const s = selection();
      if (!s) return setMsg({ kind: 'error', text: 'Select faces first (click, Shift-click, Ctrl-click).' });
      await bulk(async () => {
        const data = await post<{ changed: unknown[]; unchanged: number }>('/api/labels', { ...s, label });
        return { ok: `${CLASS_NAMES[label]}: ${data.changed.length} face(s) labelled${data.unchanged ? `, ${data.unchanged} already were` : ''}.` };
      });
    },
    [bulk, selection],
  );

  /** Each selected unlabelled face gets the model's suggestion: one bulk action, after a confirmation that says how many. */
  const accept = useCallback(async () => {
    const s = selection();
    if (!s) return setMsg({ kind: 'error', text: 'Select faces first (or all matching the filter).' });
    await bulk(async () => {
      const dry = await post<{ faces: number }>('/api/labels/accept', { ...s, dryRun: true });
      if (dry.faces === 0) return { error: 'None of the selected faces is unlabelled with a suggestion.' };
      if (!window.confirm(`Accept the model's suggestion for ${dry.faces} face${dry.faces === 1 ? '' : 's'}? One undo reverts all of them.`)) return null;
      const done = await post<{ accepted: number }>('/api/labels/accept', s);
      return { ok: `Accepted the suggestion for ${done.accepted} face${done.accepted === 1 ? '' : 's'}. Undo reverts all of them.` };
    });
  }, [bulk, selection]);

  const undo = useCallback(async () => {
    setBusy(true);
    try {
      const { undone } = await post<{ undone: { batch?: { faces: number } } | null }>('/api/labels/undo');
      if (!undone) setMsg({ kind: 'error', text: 'Nothing to undo.' });
      else setMsg({ kind: 'ok', text: undone.batch ? `Undone: ${undone.batch.faces} face(s) got their previous label back.` : 'Undone: 1 face got its previous label back.' });
      router.refresh();
    } catch (e) {
      setMsg({ kind: 'error', text: `Undo failed: ${(e as Error).message}` });
    } finally {
      setBusy(false);
    }
  }, [router]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'a') {
        setAll(false);
        setSelected(new Set(faces.map((f) => f.id)));
        e.preventDefault();
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const k = e.key.toLowerCase();
      if (CLASS_KEYS[k]) assign(CLASS_KEYS[k]);
      else if (k === 'x') assign(EXCLUDED);
      else if (e.key === 'Escape') {
        setSelected(new Set());
        setAll(false);
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    setReady(true);
    return () => window.removeEventListener('keydown', onKey);
  }, [assign, faces]);

  return (
    <div className="space-y-3" data-testid="label-grid" data-ready={ready}>
      <div className="card flex flex-wrap items-center gap-2 text-sm" aria-label="Selection">
        <span data-testid="grid-selected" data-all={all}>
          {all ? `All ${total} matching the filter` : `${selected.size} selected`}
        </span>
        {CLASSES.map((c, i) => (
          <button key={c} type="button" className="btn-secondary" disabled={busy || count === 0} onClick={() => assign(c)}>
            <kbd className="font-mono text-xs">{i + 1}</kbd>
            <span className="h-3 w-3 rounded-full" style={{ background: CLASS_COLORS[c] }} aria-hidden />
            {CLASS_NAMES[c]}
          </button>
        ))}
        <button type="button" className="btn-secondary" disabled={busy || count === 0} onClick={() => assign(EXCLUDED)}>
          <kbd className="font-mono text-xs">X</kbd> Exclude
        </button>
        <button type="button" className="btn-primary" disabled={busy || count === 0} onClick={accept} data-testid="grid-accept">
          Accept suggestions
        </button>
        <button
          type="button"
          className="btn-secondary"
          onClick={() => {
            setAll(false);
            setSelected(new Set(faces.map((f) => f.id)));
          }}
        >
          Select page (Ctrl+A)
        </button>
        {filter && total > 0 && (
          <button
            type="button"
            className="btn-secondary"
            data-testid="grid-select-all"
            disabled={total > maxSelection}
            title={total > maxSelection ? `At most ${maxSelection} faces at once: narrow the filter` : undefined}
            onClick={() => {
              setSelected(new Set(faces.map((f) => f.id)));
              setAll(true);
            }}
          >
            Select all {total} matching
          </button>
        )}
        <button
          type="button"
          className="btn-secondary"
          disabled={count === 0}
          onClick={() => {
            setSelected(new Set());
            setAll(false);
          }}
        >
          Clear (Esc)
        </button>
        <button type="button" className="btn-secondary" disabled={busy} onClick={undo} data-testid="grid-undo">
          Undo last action
        </button>
        {filter && total > maxSelection && (
          <span className="text-xs text-slate-600">
            {total} faces match: at most {maxSelection} can be selected at once, narrow the filter (a class, a confidence range).
          </span>
        )}
      </div>
      <Message msg={msg} />
      {faces.length === 0 ? (
        <p className="card text-slate-600">No faces match these filters.</p>
      ) : (
        <ul className="grid grid-cols-3 gap-2 sm:grid-cols-5 md:grid-cols-6 lg:grid-cols-8" aria-label="Faces">
          {faces.map((f, i) => {
            const on = all || selected.has(f.id);
            return (
              <li key={f.id}>
                <button
                  type="button"
                  data-testid="grid-face"
                  data-face-id={f.id}
                  aria-pressed={on}
                  onClick={(e) => onPick(i, e)}
                  className={`block w-full overflow-hidden rounded-md border-2 bg-surface text-left ${on ? 'border-indigo-600 ring-2 ring-indigo-300' : 'border-transparent'}`}
                >
                  <FaceCrop id={f.id} alt={`Face ${i + 1}`} className="aspect-square w-full bg-slate-100 object-cover" />
                  <span className="flex items-center justify-between p-1">
                    <LabelBadge label={f.label} />
                    {f.suggestion && (
                      <span className="text-[10px] text-slate-600" data-testid="grid-suggestion" data-class={f.suggestion.class} title="The model's suggestion">
                        {CLASS_NAMES[f.suggestion.class as FaceClass] ?? f.suggestion.class} {Math.round(f.suggestion.confidence * 100)}%
                      </span>
                    )}
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
