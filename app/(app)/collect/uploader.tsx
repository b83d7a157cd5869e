'use client';

import Link from 'next/link';
import { memo, useEffect, useState } from 'react';
import { AfterUploadLinks } from './next-links';
import { fetchRecentImports, filesFromDrop, filesFromInput, importFinished, type ImportView } from './transfer';
import { type Item, POLL_MS, useUploadQueue } from './use-upload-queue';
import type { IngestResult } from '@/lib/dataset/ingest';
import { CLASS_NAMES, type Label } from '@/lib/classes';

function ResultLine({ r, showFile }: { r: IngestResult; showFile?: boolean }) {
  const name = showFile ? <span className="mr-2 font-mono text-xs break-all text-slate-600">{r.file}</span> : null;
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
        <span className="w-full text-sm sm:w-72">
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
          <summary className="cursor-pointer break-all text-slate-600">Files in {item.path}</summary>
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
  const [label, setLabel] = useState('');
  const [over, setOver] = useState(false);
  const { items, busy, importing, importsVersion, add, cancel, clear } = useUploadQueue({ maxUploadBytes, maxZipBytes, label });

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
  const working = busy || importing;

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
              <button type="button" className="btn-secondary" onClick={cancel}>
                Cancel
              </button>
            ) : (
              <button type="button" className="btn-secondary" onClick={clear} disabled={working}>
                Clear list
              </button>
            )}
          </div>
          <p role="status" className="text-sm" data-testid="upload-summary">
            {counts.added} added ({counts.faces} {counts.faces === 1 ? 'face' : 'faces'}), {counts.duplicate} duplicates, {counts.rejected} rejected
            {!working && counts.added > 0 && <AfterUploadLinks faces={counts.faces} galleryText="See them in the gallery" />}
          </p>
          {importing && (
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
              <span className="w-full sm:w-80">
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
