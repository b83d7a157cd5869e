'use client';

import Link from 'next/link';
import { memo, useCallback, useReducer, useRef, useState } from 'react';
import { filesFromDrop, filesFromInput, isZip, type Picked, pool, type Result, sendImages, sendZip } from './transfer';
import { CLASS_NAMES, type Label } from '@/lib/classes';

type Status = 'queued' | 'uploading' | 'processing' | 'done';
type Item = { id: number; path: string; size: number; zip: boolean; status: Status; sent: number; results: Result[] };

type Action =
  | { type: 'add'; items: Item[] }
  | { type: 'patch'; id: number; patch: Partial<Item> }
  | { type: 'result'; id: number; result: Result }
  | { type: 'clear' };

function reducer(items: Item[], a: Action): Item[] {
  switch (a.type) {
    case 'add':
      return [...items, ...a.items];
    case 'patch':
      return items.map((i) => (i.id === a.id ? { ...i, ...a.patch } : i));
    case 'result':
      return items.map((i) => (i.id === a.id ? { ...i, results: [...i.results, a.result] } : i));
    case 'clear':
      return items.filter((i) => i.status !== 'done');
  }
}

/** Requests carry at most this many images / bytes; this many requests run at once. */
const CHUNK_FILES = 5;
const CHUNK_BYTES = 8 * 1024 * 1024;
const CONCURRENCY = 3;

function chunk(items: Item[]): Item[][] {
  const out: Item[][] = [];
  let cur: Item[] = [];
  let bytes = 0;
  for (const it of items) {
    if (cur.length && (cur.length >= CHUNK_FILES || bytes + it.size > CHUNK_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += it.size;
  }
  if (cur.length) out.push(cur);
  return out;
}

function ResultLine({ r, showFile }: { r: Result; showFile?: boolean }) {
  const name = showFile ? <span className="mr-2 font-mono text-xs text-slate-500">{r.file}</span> : null;
  if (r.status === 'added') {
    return (
      <span className="text-emerald-700" data-status="added">
        {name}
        Added with {r.faces} {r.faces === 1 ? 'face' : 'faces'}
        {r.wholeImage ? ' (whole-image sample)' : ''}
        {r.grouped ? `, ${r.grouped} near-duplicate` : ''} ·{' '}
        <Link className="underline" href={`/photos/${r.photoId}`}>
          view
        </Link>
      </span>
    );
  }
  if (r.status === 'duplicate') {
    return (
      <span className="text-amber-700" data-status="duplicate">
        {name}
        Duplicate: {r.reason.replace(/^duplicate of /, 'already stored as ')} ·{' '}
        <Link className="underline" href={`/photos/${r.photoId}`}>
          view
        </Link>
      </span>
    );
  }
  return (
    <span className="text-red-700" data-status="rejected">
      {name}
      Rejected: {r.reason}
    </span>
  );
}

const Row = memo(function Row({ item }: { item: Item }) {
  const pct = item.size ? Math.round((100 * item.sent) / item.size) : 100;
  const counts = { added: 0, duplicate: 0, rejected: 0 };
  for (const r of item.results) counts[r.status]++;
  return (
    <li className="py-2" data-testid="upload-row" data-file={item.path}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <span className="min-w-0 flex-1 truncate font-mono text-sm" title={item.path}>
          {item.path}
        </span>
        <progress className="h-2 w-32" value={item.status === 'done' ? 100 : pct} max={100} aria-label={`Upload of ${item.path}`} />
        <span className="w-72 text-sm">
          {item.status === 'queued' && <span className="text-slate-500">Waiting</span>}
          {item.status === 'uploading' && <span>Uploading {pct}%</span>}
          {item.status === 'processing' && (
            <span>{item.zip ? `Unpacking: ${item.results.length} files done…` : 'Finding faces…'}</span>
          )}
          {item.status === 'done' && !item.zip && item.results[0] && <ResultLine r={item.results[0]} />}
          {item.status === 'done' && item.zip && (
            <span data-testid="zip-summary">
              {counts.added} added, {counts.duplicate} duplicates, {counts.rejected} rejected
            </span>
          )}
        </span>
      </div>
      {item.zip && item.results.length > 0 && (
        <details className="mt-1 pl-4 text-sm" open={item.results.length <= 50}>
          <summary className="cursor-pointer text-slate-600">Files in {item.path}</summary>
          <ul className="mt-1 space-y-0.5">
            {item.results.map((r, i) => (
              <li key={i}>
                <ResultLine r={r} showFile />
              </li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
});

export function Uploader({ classes }: { classes: string[] }) {
  const [items, dispatch] = useReducer(reducer, []);
  const [label, setLabel] = useState('');
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const nextId = useRef(1);
  const queue = useRef<Item[]>([]);
  const files = useRef(new Map<number, Picked>());
  const running = useRef(false);
  const abort = useRef<AbortController | null>(null);
  const labelRef = useRef(label);
  labelRef.current = label;

  const run = useCallback(async () => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    abort.current = new AbortController();
    const signal = abort.current.signal;
    try {
      while (queue.current.length) {
        const batch = queue.current.splice(0);
        const zips = batch.filter((i) => i.zip);
        const images = batch.filter((i) => !i.zip);
        const jobs: Array<() => Promise<void>> = [
          ...chunk(images).map((group) => async () => {
            const picked = group.map((i) => files.current.get(i.id)!);
            for (const i of group) dispatch({ type: 'patch', id: i.id, patch: { status: 'uploading' } });
            const results = await sendImages(
              picked,
              { label: labelRef.current, source: 'upload' },
              (loaded) => {
                // Files go into the body in order: attribute the bytes sent so far file by file.
                let left = loaded;
                for (const i of group) {
                  const sent = Math.max(0, Math.min(i.size, left));
                  left -= i.size;
                  dispatch({ type: 'patch', id: i.id, patch: { sent, status: sent >= i.size ? 'processing' : 'uploading' } });
                }
              },
              signal,
            );
            group.forEach((i, k) => {
              dispatch({ type: 'patch', id: i.id, patch: { status: 'done', sent: i.size, results: results[k] ? [results[k]] : [] } });
              files.current.delete(i.id);
            });
          }),
          ...zips.map((i) => async () => {
            dispatch({ type: 'patch', id: i.id, patch: { status: 'uploading' } });
            await sendZip(
              files.current.get(i.id)!,
              labelRef.current,
              (loaded) => dispatch({ type: 'patch', id: i.id, patch: { sent: loaded, status: loaded >= i.size ? 'processing' : 'uploading' } }),
              (result) => dispatch({ type: 'result', id: i.id, result }),
              signal,
            );
            dispatch({ type: 'patch', id: i.id, patch: { status: 'done', sent: i.size } });
            files.current.delete(i.id);
          }),
        ];
        await pool(jobs, CONCURRENCY, (job) => job());
      }
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);

  const add = useCallback(
    (picked: Picked[]) => {
      if (picked.length === 0) return;
      const added: Item[] = picked.map((p) => {
        const id = nextId.current++;
        files.current.set(id, p);
        return { id, path: p.path, size: p.file.size, zip: isZip(p.file), status: 'queued', sent: 0, results: [] };
      });
      dispatch({ type: 'add', items: added });
      queue.current.push(...added);
      void run();
    },
    [run],
  );

  const total = items.reduce((s, i) => s + i.size, 0);
  const sent = items.reduce((s, i) => s + (i.status === 'done' ? i.size : i.sent), 0);
  const done = items.filter((i) => i.status === 'done').length;
  const all = items.flatMap((i) => i.results);
  const counts = { added: 0, duplicate: 0, rejected: 0, faces: 0 };
  for (const r of all) {
    counts[r.status]++;
    if (r.status === 'added') counts.faces += r.faces;
  }

  return (
    <div className="space-y-4">
      <div className="card space-y-4">
        <div className="max-w-xs">
          <label className="label" htmlFor="label-all">
            Label all as
          </label>
          <select id="label-all" className="input" value={label} onChange={(e) => setLabel(e.target.value)} disabled={busy}>
            <option value="">No label (label later)</option>
            {classes.map((c) => (
              <option key={c} value={c}>
                {CLASS_NAMES[c as Label] ?? c}
              </option>
            ))}
          </select>
        </div>
        <div
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={async (e) => {
            e.preventDefault();
            setOver(false);
            add(await filesFromDrop(e.dataTransfer));
          }}
          className={`rounded-lg border-2 border-dashed p-8 text-center ${over ? 'border-indigo-500 bg-indigo-50' : 'border-slate-300'}`}
        >
          <p className="font-medium">Drop photos, folders or .zip archives here</p>
          <p className="mt-1 text-sm text-slate-500">or choose them:</p>
          <div className="mt-3 flex flex-wrap justify-center gap-2">
            <label className="btn-secondary cursor-pointer focus-within:outline focus-within:outline-2 focus-within:outline-indigo-600">
              Choose files or zips
              <input
                type="file"
                multiple
                accept="image/*,.heic,.heif,.avif,.zip,application/zip"
                className="sr-only"
                data-testid="pick-files"
                onChange={(e) => {
                  add(filesFromInput(e.currentTarget.files));
                  e.currentTarget.value = '';
                }}
              />
            </label>
            <label className="btn-secondary cursor-pointer focus-within:outline focus-within:outline-2 focus-within:outline-indigo-600">
              Choose a folder
              <input
                type="file"
                className="sr-only"
                data-testid="pick-folder"
                webkitdirectory=""
                onChange={(e) => {
                  add(filesFromInput(e.currentTarget.files));
                  e.currentTarget.value = '';
                }}
              />
            </label>
          </div>
        </div>
      </div>

      {items.length > 0 && (
        <section className="card space-y-3" aria-labelledby="progress-title">
          <div className="flex flex-wrap items-center gap-3">
            <h2 id="progress-title" className="font-medium">
              {busy ? 'Uploading…' : 'Done'}
            </h2>
            <progress className="h-3 flex-1" value={total ? sent : 1} max={total || 1} aria-label="Overall progress" data-testid="overall-progress" />
            <span className="text-sm" data-testid="overall-count">
              {done} of {items.length} done
            </span>
            {busy ? (
              <button type="button" className="btn-secondary" onClick={() => abort.current?.abort()}>
                Cancel
              </button>
            ) : (
              <button type="button" className="btn-secondary" onClick={() => dispatch({ type: 'clear' })}>
                Clear list
              </button>
            )}
          </div>
          <p role="status" className="text-sm" data-testid="upload-summary">
            {counts.added} added ({counts.faces} {counts.faces === 1 ? 'face' : 'faces'}), {counts.duplicate} duplicates, {counts.rejected} rejected
            {!busy && counts.added > 0 && (
              <>
                {' · '}
                <Link className="underline" href="/gallery">
                  See them in the gallery
                </Link>
              </>
            )}
          </p>
          <ul className="divide-y divide-slate-100">
            {items.map((i) => (
              <Row key={i.id} item={i} />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
