'use client';

import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import type { ActionResult } from '@/app/_server/guard';
import { Message } from '@/app/_components/message';
import { Row, Table } from '@/app/_components/table';
import { useAction } from '@/app/_components/use-action';
import type { TrainingStatus } from '@/lib/training/views';
import { cancelJobAction, retrainAction, rollbackAction } from './actions';
import { Curves } from './curves';
import { BACKBONE_CHOICES, type BackboneChoice, backboneChoiceLabel, trainingViewsLabel } from '@/lib/inference/backbone';
import { useLiveRefresh } from '@/app/_components/live-refresh';
import { intervalOfRatio } from '@/lib/training/interval';
import { PromoteButton } from './[run]/run-actions';
import { SmallDataNote } from './small-data-note';

const STEPS = ['snapshot', 'split', 'features', 'train', 'evaluate', 'save', 'promote', 'done'] as const;
const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

export function TrainingLive({ initial, isAdmin, role, labelled }: {
  initial: TrainingStatus;
  isAdmin: boolean;
  /** The viewer's role, named where a control is missing for it. */
  role: string;
  /** Labelled faces per class (training data), for the small-data note beside Retrain. */
  labelled: Record<string, number>;
}) {
  const [status, setStatus] = useState(initial);
  const [backbone, setBackbone] = useState<BackboneChoice>('fast');
  const { msg, pending, run } = useAction();
  const job = status.job;
  const active = job && (job.status === 'queued' || job.status === 'running');
  // When the job ends, the server-rendered panels (splits table, export hint) are read again.
  useLiveRefresh(!!active, null);

  const refresh = useCallback(async () => {
    const res = await fetch('/api/training/status', { cache: 'no-store' });
    if (res.ok) setStatus(await res.json());
  }, []);

  useEffect(() => {
    const t = setInterval(refresh, active ? 1000 : 5000);
    return () => clearInterval(t);
  }, [active, refresh]);

  const act = <T,>(fn: () => Promise<ActionResult<T>>, ok: string) =>
    run(
      async () => {
        const r = await fn();
        await refresh();
        return r;
      },
      () => ok,
    );

  const p = job?.progress ?? null;
  const stepIdx = p ? STEPS.indexOf(p.step) : -1;
  return (
    <div className="space-y-6">
      <section className="card space-y-3" aria-labelledby="job-h">
        <div className="flex flex-wrap items-center gap-3">
          <h2 id="job-h" className="font-medium">
            Current job
          </h2>
          {isAdmin && (
            <>
              <button
                type="button"
                className="btn-primary ml-auto"
                disabled={pending || !!active}
                onClick={() => act(() => retrainAction({ backbone }), `Retrain queued (${backbone} backbone)`)}
              >
                Retrain
              </button>
              {active && job && (
                <button
                  type="button"
                  className="btn-danger"
                  disabled={pending || job.cancelRequested}
                  onClick={() => act(() => cancelJobAction({ id: job.id }), 'Cancel requested: it stops after the current epoch')}
                >
                  {job.cancelRequested ? 'Cancelling…' : 'Cancel'}
                </button>
              )}
            </>
          )}
        </div>
        {isAdmin ? (
          <SmallDataNote labelled={labelled} />
        ) : (
          <p className="text-sm text-slate-600" data-testid="no-retrain-why">
            Retraining, promoting and rolling back models are for admins; you are signed in as {role}. When you have labelled new faces, ask an admin to retrain.
          </p>
        )}
        {isAdmin && (
          <fieldset className="space-y-1 text-sm" data-testid="backbone-choice">
            <legend className="font-medium">Backbone for the next retrain</legend>
            {(Object.keys(BACKBONE_CHOICES) as BackboneChoice[]).map((c) => (
              <label key={c} className="flex items-center gap-2">
                <input type="radio" name="backbone" value={c} checked={backbone === c} disabled={pending || !!active} onChange={() => setBackbone(c)} />
                {backboneChoiceLabel(c)}
              </label>
            ))}
            <p className="text-xs text-slate-600">
              Measured on the 2-core development machine (tfjs wasm; both backbones timed in one pass, accurate 3.2x fast; CV = 5-fold
              4-class accuracy on the benchmark faces). The time is paid per new face at retrain (features are cached per face and
              backbone: a first accurate retrain embeds every face) and per face in the preview and the predict API.
            </p>
            <p className="text-xs text-slate-600" data-testid="training-views-cost">
              Training views: {trainingViewsLabel()}.
            </p>
          </fieldset>
        )}
        <Message msg={msg} />
        {!job ? (
          <p className="text-sm text-slate-600">No training job yet.{isAdmin ? ' Click Retrain to train the first model.' : ''}</p>
        ) : (
          <div className="space-y-3" data-testid="job-status">
            <p className="text-sm">
              Job <code>{job.id}</code>: <strong data-testid="job-state">{job.status}</strong>
              {job.attempts > 1 ? ` (attempt ${job.attempts})` : ''}
              {job.error ? <span className="text-red-700"> — {job.error}</span> : null}
            </p>
            {p && (
              <ol className="flex flex-wrap gap-1 text-xs" aria-label="Steps">
                {STEPS.map((s, i) => (
                  <li
                    key={s}
                    aria-current={i === stepIdx ? 'step' : undefined}
                    className={`rounded px-2 py-1 ${i < stepIdx || p.step === 'done' ? 'bg-emerald-100 text-emerald-800' : i === stepIdx ? 'bg-indigo-600 text-white' : 'bg-slate-100 text-slate-500'}`}
                  >
                    {s}
                  </li>
                ))}
              </ol>
            )}
            {p?.step === 'features' && p.features && p.features.total > 0 && (
              <div>
                <label className="label" htmlFor="feat-progress">
                  Features: {p.features.done} / {p.features.total} new faces
                </label>
                <progress id="feat-progress" className="w-full" value={p.features.done} max={p.features.total} />
              </div>
            )}
            {p?.epoch !== undefined && p.maxEpochs && (
              <div>
                <label className="label" htmlFor="epoch-progress">
                  Epoch <span data-testid="epoch">{p.epoch}</span> of at most {p.maxEpochs}
                  {job.status === 'succeeded' ? ': done (it stopped when validation loss stopped improving)' : ' (stops early when validation loss stops improving)'}
                </label>
                {/* Stopping early is finishing: a succeeded job's bar is full. */}
                <progress id="epoch-progress" className="w-full" value={job.status === 'succeeded' ? p.maxEpochs : p.epoch} max={p.maxEpochs} />
              </div>
            )}
            {p?.history && p.history.length > 0 && <Curves history={p.history} />}
            {p?.runId && (
              <p className="text-sm">
                <Link className="text-indigo-700 underline" href={`/training/${p.runId}`}>
                  Open this run
                </Link>
              </p>
            )}
            {job.logs.length > 0 && (
              <details>
                <summary className="cursor-pointer text-sm text-slate-600">Log</summary>
                <ul className="mt-2 space-y-1 font-mono text-xs">
                  {job.logs.map((l) => (
                    <li key={l.id} className={l.level === 'error' ? 'text-red-700' : l.level === 'warn' ? 'text-amber-700' : ''}>
                      {new Date(l.at).toLocaleTimeString()} {l.message}
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="runs-h">
        <div className="mb-3 flex items-center gap-3">
          <h2 id="runs-h" className="font-medium">
            Runs
          </h2>
          {isAdmin && status.runs.some((r) => r.promoted) && (
            <button type="button" className="btn-secondary ml-auto" disabled={pending} onClick={() => act(() => rollbackAction({}), 'Rolled back to the previously promoted model')}>
              Roll back
            </button>
          )}
        </div>
        {status.runs.length === 0 ? (
          <p className="text-sm text-slate-600">No runs yet.</p>
        ) : (
          <Table testId="runs" label="Runs" head={['Run', 'By', 'Status', 'Test faces', 'Accuracy', 'Macro-F1', 'Mask', 'Age', 'Model']}>
            {status.runs.map((r) => (
              <Row
                key={r.id}
                cells={[
                  <Link key="at" className="whitespace-nowrap text-indigo-700 underline" href={`/training/${r.id}`} title={`Started ${new Date(r.createdAt).toLocaleString()}`}>
                    {r.title}
                  </Link>,
                  r.createdBy ?? '–',
                  r.status,
                  r.testFaces ?? '–',
                  <span key="acc" className="whitespace-nowrap">
                    {pct(r.accuracy)}
                    {r.accuracy !== null && r.testFaces ? <span className="block text-xs text-slate-500">95%: {intervalOfRatio(r.accuracy, r.testFaces)}</span> : null}
                  </span>,
                  pct(r.macroF1),
                  pct(r.maskAccuracy),
                  pct(r.ageAccuracy),
                  r.promoted ? (
                    <span key="m" className="rounded bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800" data-testid="promoted-badge">
                      promoted
                    </span>
                  ) : isAdmin && r.status === 'succeeded' ? (
                    <PromoteButton key="m" id={r.id} label="Promote" testFaces={r.testFaces} accuracy={r.accuracy} onPromoted={() => void refresh()} />
                  ) : null,
                ]}
              />
            ))}
          </Table>
        )}
      </section>
    </div>
  );
}
