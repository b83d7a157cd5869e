'use client';

import Link from 'next/link';
import { memo, useCallback, useEffect, useReducer, useRef, useState } from 'react';
import {
  chunk,
  fetchImport,
  fetchRecentImports,
  filesFromDrop,
  filesFromInput,
  importFinished,
  type ImportProgress,
  type ImportView,
  isZip,
  type Picked,
  pool,
  type Result,
  sendImages,
  sendZip,
} from './transfer';
import { CLASS_NAMES, type Label } from '@/lib/classes';

type Status = 'queued' | 'uploading' | 'processing' | 'done';
type Item = {
  id: number;
  path: string;
  size: number;
  zip: boolean;
  status: Status;
  sent: number;
  results: Result[];
  /** Zips: the background import job, and what it reported last. */
  jobId?: string;
  job?: Pick<ImportView, 'status' | 'error'> & { progress: Omit<ImportProgress, 'results'> };
};

type Action =
  | { type: 'add'; items: Item[] }
  | { type: 'patch'; id: number; patch: Partial<Item> }
  | { type: 'clear' };

function reducer(items: Item[], a: Action): Item[] {
  switch (a.type) {
    case 'add':
      return [...items, ...a.items];
    case 'patch':
      return items.map((i) => (i.id === a.id ? { ...i, ...a.patch } : i));
    case 'clear':
      return items.filter((i) => i.status !== 'done');
  }
}

/** This many requests run at once. */
const CONCURRENCY = 3;
/** How often running background imports are polled (ms). */
const POLL_MS = 1000;

const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

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

function itemCounts(item: Item) {
  if (item.job) return item.job.progress;
  const c = { added: 0, duplicate: 0, rejected: 0, faces: 0 };
  for (const r of item.results) {
    c[r.status]++;
    if (r.status === 'added') c.faces += r.faces;
  }
  return c;
}

const Row = memo(function Row({ item }: { item: Item }) {
  const entries = item.job?.progress;
  const importing = item.zip && item.status === 'processing' && !!entries;
  const pct = importing ? (entries.total ? Math.round((100 * entries.done) / entries.total) : 0) : item.size ? Math.round((100 * item.sent) / item.size) : 100;
  const counts = itemCounts(item);
  return (
    <li className="py-2" data-testid="upload-row" data-file={item.path}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <span className="min-w-0 flex-1 truncate font-mono text-sm" title={item.path}>
          {item.path}
        </span>
        <progress
          className="h-2 w-32"
          value={item.status === 'done' ? 100 : pct}
          max={100}
          aria-label={importing ? `Import of ${item.path}` : `Upload of ${item.path}`}
        />
        <span className="w-72 text-sm">
          {item.status === 'queued' && <span className="text-slate-500">Waiting</span>}
          {item.status === 'uploading' && <span>Uploading {pct}%</span>}
          {item.status === 'processing' && !item.zip && <span>Finding faces…</span>}
          {item.status === 'processing' && item.zip && (
            <span data-testid="zip-progress">
              {!entries
                ? 'Stored; starting the import…'
                : item.job?.status === 'queued'
                  ? 'Waiting for the worker…'
                  : entries.total
                    ? `Importing: ${entries.done} / ${entries.total} entries`
                    : 'Reading the archive…'}
            </span>
          )}
          {item.status === 'done' && !item.zip && item.results[0] && <ResultLine r={item.results[0]} />}
          {item.status === 'done' && item.zip && (
            <span data-testid="zip-summary">
              {item.job?.status === 'failed' || item.job?.status === 'cancelled' ? `Import ${item.job.status}${item.job.error ? `: ${item.job.error}` : ''} · ` : ''}
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
          {!!item.job?.progress.omitted && (
            <p className="mt-1 text-slate-500">{item.job.progress.omitted} more results not listed (rejections and duplicates are listed first).</p>
          )}
        </details>
      )}
    </li>
  );
});

export function Uploader({ classes, maxUploadBytes, maxZipBytes }: { classes: string[]; maxUploadBytes: number; maxZipBytes: number }) {
  const [items, dispatch] = useReducer(reducer, []);
  const [label, setLabel] = useState('');
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const [importsVersion, setImportsVersion] = useState(0);
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
            const sent = await sendZip(
              files.current.get(i.id)!,
              labelRef.current,
              (loaded) => dispatch({ type: 'patch', id: i.id, patch: { sent: Math.min(loaded, i.size), status: 'uploading' } }),
              signal,
            );
            files.current.delete(i.id);
            if ('jobId' in sent) {
              // Stored: the import runs in the background (closing the tab does not stop it); polled below.
              dispatch({ type: 'patch', id: i.id, patch: { status: 'processing', sent: i.size, jobId: sent.jobId } });
              setImportsVersion((v) => v + 1);
            } else {
              dispatch({ type: 'patch', id: i.id, patch: { status: 'done', sent: i.size, results: [{ file: i.path, status: 'rejected', reason: sent.error }] } });
            }
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
        const zip = isZip(p.file);
        const max = zip ? maxZipBytes : maxUploadBytes;
        if (p.file.size > max) {
          // Refused here, as the server would (413), without sending it.
          const reason = `${zip ? 'the zip archive' : 'the photo'} is ${mb(p.file.size)}, over the ${mb(max)} limit`;
          return { id, path: p.path, size: p.file.size, zip, status: 'done', sent: p.file.size, results: [{ file: p.path, status: 'rejected', reason }] };
        }
        files.current.set(id, p);
        return { id, path: p.path, size: p.file.size, zip, status: 'queued', sent: 0, results: [] };
      });
      dispatch({ type: 'add', items: added });
      queue.current.push(...added.filter((i) => i.status === 'queued'));
      void run();
    },
    [run, maxUploadBytes, maxZipBytes],
  );

  // Background imports of uploaded zips: poll each until it has finished.
  const importing = items.filter((i) => i.jobId && i.status === 'processing').map((i) => [i.id, i.jobId!] as const);
  const importingKey = importing.map(([id]) => id).join(',');
  useEffect(() => {
    if (!importingKey) return;
    let stopped = false;
    const tick = async () => {
      for (const [id, jobId] of importing) {
        const v = await fetchImport(jobId);
        if (stopped || !v) continue;
        const { results, ...progress } = v.progress;
        const done = importFinished(v);
        dispatch({
          type: 'patch',
          id,
          patch: { job: { status: v.status, error: v.error, progress }, results, ...(done ? { status: 'done' as const } : {}) },
        });
        if (done) setImportsVersion((n) => n + 1);
      }
    };
    const t = setInterval(() => void tick(), POLL_MS);
    void tick();
    return () => {
      stopped = true;
      clearInterval(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `importing` is derived from the items importingKey names: polling restarts only when that set changes
  }, [importingKey]);

  const total = items.reduce((s, i) => s + i.size, 0);
  const sent = items.reduce((s, i) => s + (i.status === 'done' ? i.size : i.sent), 0);
  const done = items.filter((i) => i.status === 'done').length;
  const counts = { added: 0, duplicate: 0, rejected: 0, faces: 0 };
  for (const i of items) {
    const c = itemCounts(i);
    counts.added += c.added;
    counts.duplicate += c.duplicate;
    counts.rejected += c.rejected;
    counts.faces += c.faces;
  }
  const working = busy || importing.length > 0;

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
              {busy ? 'Uploading…' : working ? 'Importing…' : 'Done'}
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
              <button type="button" className="btn-secondary" onClick={() => dispatch({ type: 'clear' })} disabled={working}>
                Clear list
              </button>
            )}
          </div>
          <p role="status" className="text-sm" data-testid="upload-summary">
            {counts.added} added ({counts.faces} {counts.faces === 1 ? 'face' : 'faces'}), {counts.duplicate} duplicates, {counts.rejected} rejected
            {!working && counts.added > 0 && (
              <>
                {' · '}
                <Link className="underline" href="/gallery">
                  See them in the gallery
                </Link>
              </>
            )}
          </p>
          {importing.length > 0 && (
            <p className="text-sm text-slate-600">Zip archives are imported in the background: you may close this page, the import goes on.</p>
          )}
          <ul className="divide-y divide-slate-100">
            {items.map((i) => (
              <Row key={i.id} item={i} />
            ))}
          </ul>
        </section>
      )}
      <RecentImports version={importsVersion} />
    </div>
  );
}

/** The user's recent zip imports (also those started before this page was opened), polled while one runs. */
function RecentImports({ version }: { version: number }) {
  const [list, setList] = useState<ImportView[] | null>(null);
  const active = !!list?.some((v) => !importFinished(v));
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      const l = await fetchRecentImports();
      if (!stopped && l) setList(l);
    };
    void load();
    const t = active ? setInterval(() => void load(), 2 * POLL_MS) : null;
    return () => {
      stopped = true;
      if (t) clearInterval(t);
    };
  }, [version, active]);
  if (!list || list.length === 0) return null;
  return (
    <section className="card space-y-2" aria-labelledby="imports-title">
      <h2 id="imports-title" className="font-medium">
        Recent zip imports
      </h2>
      <ul className="divide-y divide-slate-100 text-sm">
        {list.map((v) => {
          const p = v.progress;
          return (
            <li key={v.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-1.5" data-testid="recent-import" data-name={v.name}>
              <span className="min-w-0 flex-1 truncate font-mono" title={v.name}>
                {v.name}
              </span>
              <span className="text-slate-500">{new Date(v.createdAt).toLocaleString()}</span>
              <progress className="h-2 w-24" value={p.total ? p.done : 0} max={p.total || 1} aria-label={`Import of ${v.name}`} />
              <span className="w-80">
                {v.status === 'queued' && 'Waiting for the worker'}
                {v.status === 'running' && `Importing: ${p.done} / ${p.total || '?'} entries`}
                {v.status === 'succeeded' && `${p.done} entries: ${p.added} added (${p.faces} faces), ${p.duplicate} duplicates, ${p.rejected} rejected`}
                {(v.status === 'failed' || v.status === 'cancelled') && (
                  <span className="text-red-700">
                    {v.status === 'failed' ? 'Failed' : 'Cancelled'} after {p.done} entries{v.error ? `: ${v.error}` : ''}
                  </span>
                )}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
