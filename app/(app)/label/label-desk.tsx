'use client';
// The keyboard labelling view: one face at a time, its photo beside it (one picture for a whole-image
// sample). A key press or a tap on a class shows the next face at once; the label goes to the server in
// one POST, in order, behind it. On a phone the class buttons sit right under the picture, and a
// sideways swipe on it skips forward or goes back.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import { CLASS_COLORS, CLASS_KEYS, CLASS_NAMES, CLASSES, EXCLUDED, type FaceClass, type Label } from '@/lib/classes';
import type { FaceCard, QueueOrder } from '@/lib/dataset/labels';
import { FaceCrop, faceImageUrl, LabelBadge, PhotoWithBox, photoImageUrl } from '@/app/_components/faces';

const PRELOAD = 6;
const REFILL_BELOW = 8;

async function postJson<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((data as { error?: string }).error ?? `The server answered ${res.status}`);
  return data as T;
}

/** The queue order as one select value: "uncertain", "imported" or "suggested:<class>". */
const orderValue = (order: QueueOrder, cls?: FaceClass | null) => (order === 'suggested' && cls ? `suggested:${cls}` : order);

export function LabelDesk({ initial, order = 'imported', suggestedClass = null, hasSuggestions = false, unlabelled = null, canTrain = false }: {
  initial: FaceCard[];
  order?: QueueOrder;
  suggestedClass?: FaceClass | null;
  /** Some unlabelled face has a model suggestion (the order choices then make sense). */
  hasSuggestions?: boolean;
  /** Unlabelled faces when the page was loaded (the count of faces left goes down from it). */
  unlabelled?: number | null;
  /** The labeller may retrain: the end of the queue points to Training, else to the dashboard. */
  canTrain?: boolean;
}) {
  const router = useRouter();
  const [items, setItems] = useState<FaceCard[]>(initial);
  const [pos, setPos] = useState(0);
  const [pending, setPending] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(initial.length === 0);
  const [count, setCount] = useState(0);
  // Every face the queue hands out is unlabelled, so the faces left are the page's count less those labelled here.
  const left = unlabelled === null ? null : Math.max(0, unlabelled - items.filter((f) => f.label !== null).length);
  const [ready, setReady] = useState(false); // keys work once hydrated (tests wait for it)
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  const fetching = useRef(false);
  const preloaded = useRef(new Map<string, HTMLImageElement>());
  const state = useRef({ items, pos });
  state.current = { items, pos };

  /** Server calls run one after another, so an undo always follows the labels before it. */
  const enqueue = useCallback(<T,>(fn: () => Promise<T>): Promise<T> => {
    setPending((n) => n + 1);
    const p = chain.current.then(fn, fn);
    chain.current = p.catch(() => undefined).finally(() => setPending((n) => n - 1));
    return p;
  }, []);

  // Closing the tab while labels are still on their way: ask first.
  useEffect(() => {
    if (pending === 0) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [pending]);

  // Keep a buffer of unlabelled faces ahead of the current one.
  useEffect(() => {
    if (done || fetching.current || items.length - pos > REFILL_BELOW) return;
    fetching.current = true;
    const last = items[items.length - 1];
    // Faces held and still unlabelled (ahead, or skipped) must not come back from the wrap-round.
    const held = items.filter((f) => f.label === null).map((f) => f.id).slice(-100);
    const qs = new URLSearchParams({ limit: '20', order });
    if (order === 'suggested' && suggestedClass) qs.set('class', suggestedClass);
    if (last) qs.set('after', last.id);
    if (held.length) qs.set('exclude', held.join(','));
    fetch(`/api/labels/queue?${qs}`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`The server answered ${r.status}`))))
      .then(({ faces }: { faces: FaceCard[] }) => {
        const have = new Set(state.current.items.map((f) => f.id));
        const fresh = faces.filter((f) => !have.has(f.id));
        if (fresh.length === 0) setDone(true);
        else setItems((cur) => [...cur, ...fresh]);
      })
      .catch((e: Error) => setError(`Could not load more faces: ${e.message}`))
      .finally(() => (fetching.current = false));
  }, [items, pos, done, order, suggestedClass]);

  // Preload the next faces' crops and photos.
  useEffect(() => {
    for (const f of items.slice(pos + 1, pos + 1 + PRELOAD)) {
      for (const src of [faceImageUrl(f.id), photoImageUrl(f.photoId)]) {
        if (preloaded.current.has(src)) continue;
        const img = new Image();
        img.src = src;
        preloaded.current.set(src, img);
      }
    }
    if (preloaded.current.size > 200) preloaded.current.clear();
  }, [items, pos]);

  const label = useCallback(
    (l: Label) => {
      const { items: cur, pos: p } = state.current;
      const face = cur[p];
      if (!face) return;
      const before = face.label;
      setItems((xs) => xs.map((x) => (x.id === face.id ? { ...x, label: l } : x)));
      setPos(p + 1);
      setError(null);
      if (before === l) return;
      setCount((c) => c + 1);
      enqueue(() => postJson('/api/labels', { faceIds: [face.id], label: l })).catch((e: Error) => {
        setItems((xs) => xs.map((x) => (x.id === face.id ? { ...x, label: before } : x)));
        setCount((c) => c - 1);
        setError(`Face not saved: ${e.message}`);
      });
    },
    [enqueue],
  );

  const undo = useCallback(() => {
    setError(null);
    enqueue(() => postJson<{ undone: { faceId: string; newLabel: string | null } | null; face: FaceCard | null }>('/api/labels/undo'))
      .then(({ undone, face }) => {
        if (!undone || !face) return setError('Nothing to undo.');
        setCount((c) => Math.max(0, c - 1));
        const { items: cur, pos: p } = state.current;
        const at = cur.findIndex((x) => x.id === face.id);
        if (at >= 0) {
          setItems(cur.map((x) => (x.id === face.id ? face : x)));
          setPos(at);
        } else {
          setItems([...cur.slice(0, p), face, ...cur.slice(p)]);
        }
        setDone(false);
      })
      .catch((e: Error) => setError(`Undo failed: ${e.message}`));
  }, [enqueue]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      const k = e.key.toLowerCase();
      const { items: cur, pos: p } = state.current;
      if (CLASS_KEYS[k]) label(CLASS_KEYS[k]);
      else if (e.key === 'Enter') {
        // Accept the model's suggestion (the same as pressing its number key); a focused button or link keeps its Enter.
        if (t && ['BUTTON', 'A'].includes(t.tagName)) return;
        const s = cur[p]?.suggestion;
        if (!s || cur[p].label !== null) return;
        label(s.class as FaceClass);
      } else if (k === 'x') label(EXCLUDED);
      else if (k === 's' || e.key === 'ArrowRight') setPos(Math.min(p + 1, cur.length));
      else if (e.key === 'ArrowLeft') setPos(Math.max(p - 1, 0));
      else if (k === 'z') undo();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    setReady(true);
    return () => window.removeEventListener('keydown', onKey);
  }, [label, undo]);

  const face = items[pos];
  // Swipe on the picture: left goes on (skip), right goes back. Vertical moves scroll as usual.
  const swipe = useRef<{ x: number; y: number } | null>(null);
  const onPointerDown = (e: React.PointerEvent) => {
    if (e.pointerType !== 'mouse') swipe.current = { x: e.clientX, y: e.clientY };
  };
  const onPointerUp = (e: React.PointerEvent) => {
    const s = swipe.current;
    swipe.current = null;
    if (!s) return;
    const dx = e.clientX - s.x;
    if (Math.abs(dx) < 60 || Math.abs(dx) < 2 * Math.abs(e.clientY - s.y)) return;
    const { items: cur, pos: p } = state.current;
    setPos(dx < 0 ? Math.min(p + 1, cur.length) : Math.max(p - 1, 0));
  };
  const kbd = 'hidden rounded border border-slate-300 bg-slate-50 px-1.5 font-mono text-xs sm:inline';
  return (
    // Phones: the face, then the class buttons right under it (no scrolling to label); wide screens: buttons beside it.
    <div className="grid gap-3 lg:grid-cols-[1fr_18rem] lg:grid-rows-[auto_auto_1fr] lg:gap-4" data-testid="label-desk" data-ready={ready}>
      <section aria-label="Current face" className="card p-2 sm:p-4 lg:row-span-3 lg:min-h-[24rem]">
        {face ? (
          <div data-testid="label-face" data-face-id={face.id} className="space-y-2 sm:space-y-3">
            <div
              className={`grid touch-pan-y gap-2 sm:gap-4 ${face.wholeImage ? '' : 'grid-cols-2'}`}
              onPointerDown={onPointerDown}
              onPointerUp={onPointerUp}
              onPointerCancel={() => (swipe.current = null)}
              data-testid="label-images"
            >
              {/* A whole-image sample's crop is the photo: one picture, not the same one twice. */}
              <FaceCrop
                id={face.id}
                alt={face.wholeImage ? 'Photo to label (the whole image is the sample)' : 'Face to label'}
                className="mx-auto aspect-square max-h-[34dvh] w-full rounded-md bg-slate-100 object-contain lg:max-h-[60vh]"
              />
              {!face.wholeImage && (
                <PhotoWithBox photoId={face.photoId} photo={face.photo} box={face.box} className="max-h-[34dvh] w-full rounded-md bg-black lg:max-h-[60vh]" />
              )}
            </div>
            <p className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
              Current label: <LabelBadge label={face.label} />
              {face.wholeImage && <span className="text-xs">(whole image)</span>}
              <Link href={`/faces/${face.id}`} className="ml-auto text-indigo-700 underline">
                history
              </Link>
            </p>
            {face.suggestion && face.label === null && (
              <p
                data-testid="label-suggestion"
                data-class={face.suggestion.class}
                className="flex flex-wrap items-center gap-2 rounded-md border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm"
              >
                <span className="h-3 w-3 rounded-full" style={{ background: CLASS_COLORS[face.suggestion.class as FaceClass] }} aria-hidden />
                The model suggests <strong>{CLASS_NAMES[face.suggestion.class as FaceClass] ?? face.suggestion.class}</strong>
                <span>({Math.round(face.suggestion.confidence * 100)}% sure)</span>
                <button type="button" className="btn-secondary ml-auto" onClick={() => label(face.suggestion!.class as FaceClass)}>
                  <kbd className="font-mono text-xs">Enter</kbd> Accept
                </button>
              </p>
            )}
          </div>
        ) : (
          <div data-testid="label-done" className="flex h-full flex-col items-center justify-center gap-3 py-16 text-center">
            <p className="text-lg font-medium">{done ? 'No more unlabelled faces in the queue.' : 'Loading faces…'}</p>
            {done && (
              <p className="text-sm text-slate-600">
                Skipped faces come back when you <a href="/label" className="text-indigo-700 underline">reload the queue</a>; press Z to undo
                the last label.
              </p>
            )}
            {done && (
              <p className="text-sm" data-testid="label-done-next">
                {canTrain ? (
                  <>
                    Next:{' '}
                    <Link href="/training" className="btn-primary">
                      Retrain with the new labels
                    </Link>
                  </>
                ) : (
                  <>
                    Next: see how the classes stand on the{' '}
                    <Link href="/dashboard" className="text-indigo-700 underline">
                      dashboard
                    </Link>{' '}
                    (an admin retrains the model).
                  </>
                )}
              </p>
            )}
          </div>
        )}
      </section>
      <div className="card p-2 sm:p-4" role="group" aria-labelledby="label-keys-h">
        <h2 id="label-keys-h" className="sr-only sm:not-sr-only sm:mb-2 sm:block sm:font-medium">
          Keys
        </h2>
        <ul className="grid grid-cols-2 gap-1.5 lg:grid-cols-1" data-testid="key-map">
          {CLASSES.map((c, i) => (
            <li key={c}>
              <button type="button" className="btn-secondary min-h-12 w-full justify-start lg:min-h-0" onClick={() => label(c)} disabled={!face} data-testid={`label-button-${c}`}>
                <kbd className={kbd}>{i + 1}</kbd>
                <span className="h-3 w-3 shrink-0 rounded-full" style={{ background: CLASS_COLORS[c] }} aria-hidden />
                {CLASS_NAMES[c]}
              </button>
            </li>
          ))}
          <li className="col-span-2 lg:col-span-1">
            <button type="button" className="btn-secondary min-h-11 w-full justify-start lg:min-h-0" onClick={() => label(EXCLUDED)} disabled={!face} data-testid="label-button-excluded">
              <kbd className={kbd}>X</kbd> Exclude (not a face / unusable)
            </button>
          </li>
          {hasSuggestions && (
            <li className="col-span-2 hidden text-xs text-slate-600 sm:block lg:col-span-1">
              <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 font-mono">Enter</kbd> accepts the model&apos;s suggestion
            </li>
          )}
        </ul>
        <div className="mt-1.5 grid grid-cols-4 gap-1.5 text-sm lg:mt-2 lg:grid-cols-2">
          <button type="button" className="btn-secondary px-1" onClick={() => setPos(Math.min(pos + 1, items.length))} disabled={!face}>
            <kbd className="hidden font-mono text-xs sm:inline">S</kbd> Skip
          </button>
          <button type="button" className="btn-secondary px-1" onClick={undo}>
            <kbd className="hidden font-mono text-xs sm:inline">Z</kbd> Undo
          </button>
          <button type="button" className="btn-secondary px-1" onClick={() => setPos(Math.max(pos - 1, 0))} disabled={pos === 0} aria-label="Previous face">
            ← Back
          </button>
          <button type="button" className="btn-secondary px-1" onClick={() => setPos(Math.min(pos + 1, items.length))} disabled={!face} aria-label="Next face">
            Next →
          </button>
        </div>
      </div>
      <div className="space-y-3">
        <p className="text-sm text-slate-600" data-testid="label-status" data-pending={pending} role="status">
          {pending > 0 ? `Saving… (${pending})` : 'All saved.'} Labelled this session: {count}
          {left !== null && (
            <>
              {' · '}
              <span data-testid="label-left">
                {left} face{left === 1 ? '' : 's'} left to label
              </span>
            </>
          )}
        </p>
        {error && (
          <p role="alert" className="alert-error">
            {error}
          </p>
        )}
        <div className="card">
          <label htmlFor="queue-order" className="label">
            Order
          </label>
          <select
            id="queue-order"
            className="input w-full"
            data-testid="queue-order"
            value={orderValue(order, suggestedClass)}
            onChange={(e) => {
              const [o, c] = e.target.value.split(':');
              router.push(`/label?${new URLSearchParams({ order: o, ...(c ? { class: c } : {}) })}`);
            }}
          >
            <option value="uncertain" disabled={!hasSuggestions}>
              Least confident first{hasSuggestions ? '' : ' (no suggestions yet)'}
            </option>
            <option value="imported">As imported</option>
            {CLASSES.map((c) => (
              <option key={c} value={`suggested:${c}`} disabled={!hasSuggestions}>
                Suggested as {CLASS_NAMES[c]}
              </option>
            ))}
          </select>
        </div>
      </div>
    </div>
  );
}
