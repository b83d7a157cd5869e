'use client';
// Admins' dataset export on the Training page: options, Export (a background job), its progress, and the
// download link of each finished archive (GET /api/export?job=<id>).
import { useCallback, useEffect, useState } from 'react';
import { Message } from '@/app/_components/message';
import { SelectField, SubmitRow } from '@/app/_components/fields';
import { useAction } from '@/app/_components/use-action';
import { CLASS_NAMES, CLASSES, type ClassName } from '@/lib/classes';
import type { ExportSummary } from '@/lib/export/queue';
import { cancelJobAction, exportAction } from './actions';

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

function describeOptions(e: ExportSummary): string {
  const o = e.options;
  if (!o) return '';
  const classes = o.classes.length === CLASSES.length ? 'all classes' : o.classes.map((c) => CLASS_NAMES[c]).join(', ');
  return `${o.content === 'photos' ? 'whole photos' : 'face crops'}, ${classes}, ${o.split === 'all' ? 'all splits' : `${o.split} only`}`;
}

export function ExportPanel({ initial, unsplit }: { initial: ExportSummary[]; unsplit: number }) {
  const [exports, setExports] = useState(initial);
  const { msg, pending, run, submit } = useAction();
  const active = exports.some((e) => e.status === 'queued' || e.status === 'running');

  const refresh = useCallback(async () => {
    const res = await fetch('/api/exports', { cache: 'no-store' });
    if (res.ok) setExports(((await res.json()) as { exports: ExportSummary[] }).exports);
  }, []);

  useEffect(() => {
    if (!active) return;
    const t = setInterval(refresh, 1000);
    return () => clearInterval(t);
  }, [active, refresh]);

  const latest = exports[0];
  const p = latest?.progress;
  return (
    <section className="card space-y-4" aria-labelledby="export-h" data-testid="export">
      <div>
        <h2 id="export-h" className="font-medium">
          Export the dataset
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          A zip for other tools: <code>train/</code>, <code>val/</code>, <code>test/</code> with <code>&lt;class&gt;/&lt;face&gt;.jpg</code> (the ImageFolder layout
          of PyTorch and Ultralytics; every class has its folder in every split) with a Hugging Face <code>metadata.csv</code> each, <code>classes.txt</code> and{' '}
          <code>labels.json</code> (the model&apos;s class order), <code>manifest.csv</code> (face, photo, original file, box, label, split, who labelled it and
          when) and <code>model/</code>: the promoted model as a bundle that runs without masklab and offline, in a browser or Node. Only faces with a split are exported
          {unsplit > 0 ? ` (${unsplit} labelled faces get theirs at the next retrain)` : ''}.
        </p>
      </div>
      <form
        className="grid gap-4 sm:grid-cols-3"
        onSubmit={submit((f) => {
          const classes = CLASSES.filter((c) => f.get(`class-${c}`) === 'on');
          run(
            () => exportAction({ content: f.get('content') === 'photos' ? 'photos' : 'crops', classes: classes as ClassName[], split: String(f.get('split')) as 'all' }),
            (r) => {
              void refresh();
              return r.alreadyQueued ? 'An export is already running: follow it below.' : 'Export queued';
            },
          );
        })}
      >
        <fieldset>
          <legend className="label">Images</legend>
          <label className="flex items-center gap-2 text-sm">
            <input type="radio" name="content" value="crops" defaultChecked /> Face crops
          </label>
          <label className="flex items-center gap-2 text-sm">
            <input type="radio" name="content" value="photos" /> Whole photos
          </label>
        </fieldset>
        <fieldset>
          <legend className="label">Classes</legend>
          {CLASSES.map((c) => (
            <label key={c} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name={`class-${c}`} defaultChecked /> {CLASS_NAMES[c]}
            </label>
          ))}
        </fieldset>
        <SelectField
          id="export-split"
          name="split"
          label="Split"
          options={[
            { value: 'all', label: 'All (train, val, test)' },
            { value: 'train', label: 'train only' },
            { value: 'val', label: 'val only' },
            { value: 'test', label: 'test only' },
          ]}
        />
        <div className="flex items-center gap-3 sm:col-span-3">
          <SubmitRow label="Export" busy="Queuing…" pending={pending || active} msg={msg} className="flex-1" />
        </div>
      </form>
      {latest && (
        <div className="space-y-2" data-testid="export-status">
          <p className="text-sm">
            Export of {new Date(latest.createdAt).toLocaleString()} ({describeOptions(latest)}): <strong data-testid="export-state">{latest.status}</strong>
            {latest.error ? <span className="text-red-700"> — {latest.error}</span> : null}
          </p>
          {(latest.status === 'queued' || latest.status === 'running') && (
            <div>
              <label className="label" htmlFor="export-progress">
                {p?.step === 'model' ? 'Adding the model…' : `Faces: ${p?.done ?? 0} / ${p?.total ?? '?'}`}
              </label>
              <progress id="export-progress" className="w-full" value={p?.done ?? 0} max={p?.total || 1} />
              <button
                type="button"
                className="btn-secondary mt-2"
                disabled={pending}
                onClick={() => run(() => cancelJobAction({ id: latest.id }), () => (void refresh(), 'Cancel requested: the export stops and leaves no archive'))}
              >
                Cancel export
              </button>
            </div>
          )}
          {latest.result?.modelNote && <Message msg={{ kind: 'error', text: latest.result.modelNote }} />}
        </div>
      )}
      {exports.some((e) => e.ready) && (
        <ul className="space-y-1 text-sm" aria-label="Finished exports">
          {exports
            .filter((e) => e.ready)
            .map((e) => (
              <li key={e.id}>
                <a className="text-indigo-700 underline" href={`/api/export?job=${e.id}`} download>
                  Download
                </a>{' '}
                {new Date(e.finishedAt ?? e.createdAt).toLocaleString()}: {e.result?.faces ?? '?'} faces, {e.result ? mb(e.result.bytes) : ''} ({describeOptions(e)})
                {e.result?.model ? ', with the model' : ', no model'}
              </li>
            ))}
        </ul>
      )}
    </section>
  );
}
