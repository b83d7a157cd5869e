import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { pageGuard } from '@/app/_server/guard';
import { may } from '@/lib/auth/policy';
import { db } from '@/lib/db';
import { CLASS_NAMES, CLASSES } from '@/lib/classes';
import { Row, ScrollRegion, Table } from '@/app/_components/table';
import { ClassBadge, labelName } from '@/app/_components/class-badge';
import { runDetail } from '@/lib/training/views';
import { Curves } from '../curves';
import { ConfusionMatrix } from './confusion';
import { PromoteButton } from './run-actions';
import { SliceReport } from './slices';
import { LearningCurveReport } from './learning-curve';
import { parseSliceParam, SLICE_DIM_NAMES, type SliceDim } from '@/lib/training/slices';
import type { RunMetrics } from '@/lib/training/queue';
import { choiceOfKind, kindOfBackboneId } from '@/lib/inference/backbone';
import { formatInterval, intervalOfRatio, tooSmallToTell } from '@/lib/training/interval';
import { SmallSampleWarning } from './small-sample';

/** "Fast (faceres)" / "Accurate (faceres + faceres-deep + gear)" for a run's backbone id; the id alone if unknown. */
function backboneName(id: string): string {
  const kind = kindOfBackboneId(id);
  if (!kind) return 'other backbone';
  return choiceOfKind(kind) === 'fast' ? 'Fast (faceres)' : 'Accurate (faceres + faceres-deep + gear)';
}

export const metadata: Metadata = { title: 'Training run' };
export const dynamic = 'force-dynamic';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);

export default async function RunPage({ params, searchParams }: { params: Promise<{ run: string }>; searchParams: Promise<{ slice?: string; set?: string }> }) {
  const { run: runId } = await params;
  const sp = await searchParams;
  const actor = await pageGuard('viewer', `/training/${runId}`);
  const d = await runDetail(db(), runId);
  if (!d) notFound();
  const { run, metrics: m, history, promoted } = d;
  const bestEpoch = (run.config as { bestEpoch?: number }).bestEpoch;
  const old = promoted?.metrics;
  const openSlice = m ? sliceFaces(m, parseSliceParam(sp.slice), typeof sp.set === 'string' ? sp.set : null) : null;
  const evalSets = Object.entries(m?.evalSets ?? {});
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm">
          <Link href="/training" className="text-indigo-700 underline">
            Training
          </Link>{' '}
          / run
        </p>
        <h1 className="text-2xl font-semibold" data-testid="run-title">
          {run.title}
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          Started by {run.createdBy ?? 'the command line'} · status <strong data-testid="run-status">{run.status}</strong> · backbone{' '}
          <strong data-testid="run-backbone">{backboneName(run.backbone)}</strong>{' '}
          {run.promoted && <span className="rounded bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800">promoted</span>}
        </p>
        <details className="mt-1 text-sm text-slate-600" data-testid="run-details">
          <summary className="cursor-pointer">Details</summary>
          <dl className="mt-1 grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-0.5">
            <dt>Run id</dt>
            <dd className="font-mono break-all">{run.id}</dd>
            <dt>Started</dt>
            <dd>{new Date(run.createdAt).toLocaleString()}</dd>
            <dt>Backbone id</dt>
            <dd className="font-mono break-all">{run.backbone}</dd>
            <dt>Seed</dt>
            <dd>{run.seed}</dd>
          </dl>
        </details>
        {may.manageModels(actor) && run.status === 'succeeded' && !run.promoted && (
          <div className="mt-2">
            <PromoteButton id={run.id} testFaces={m?.n ?? null} accuracy={m?.accuracy ?? null} />
          </div>
        )}
      </div>

      {!m ? (
        <p className="card text-sm text-slate-600">This run has no test metrics ({run.status}).</p>
      ) : (
        <>
          <SmallSampleWarning what="This run's test split" warning={tooSmallToTell(m.n, Object.fromEntries(CLASSES.map((c) => [CLASS_NAMES[c], m.perClass[c].support])))} />
          <section className="grid gap-4 sm:grid-cols-4" aria-label="Test metrics">
            {(
              [
                ['Accuracy (4 classes)', m.accuracy, true],
                ['Macro-F1', m.macro.f1, false],
                ['Mask accuracy', m.maskAccuracy, true],
                ['Age accuracy', m.ageAccuracy, true],
              ] as const
            ).map(([k, v, proportion]) => (
              <div key={k} className="card">
                <p className="text-xs text-slate-500">{k}</p>
                <p className="text-2xl font-semibold">{pct(v)}</p>
                <p className="text-xs text-slate-600" data-testid={proportion ? 'metric-interval' : undefined}>
                  {proportion ? `95% interval ${intervalOfRatio(v, m.n)}` : 'mean of the 4 classes’ F1 (no interval)'}
                </p>
              </div>
            ))}
          </section>
          <p className="text-sm text-slate-600">
            Measured on the {m.n} faces of this run&apos;s test split, never used for training or model choice. The 95% intervals (Wilson) are the range the
            accuracy on new faces like these probably lies in.
          </p>

          <section className="card" aria-labelledby="cm-h">
            <h2 id="cm-h" className="mb-3 font-medium">
              Confusion matrix
            </h2>
            <ConfusionMatrix classes={[...CLASSES]} matrix={m.confusion} predictions={m.predictions ?? []} />
          </section>

          <section className="card" aria-labelledby="pc-h">
            <h2 id="pc-h" className="mb-3 font-medium">
              Per class
            </h2>
            <Table testId="per-class" label="Per class" head={['Class', 'Precision', 'Recall', 'Recall, 95% interval', 'F1', 'Support']}>
              {CLASSES.map((c, j) => (
                <Row
                  key={c}
                  head={CLASS_NAMES[c]}
                  cells={[
                    pct(m.perClass[c].precision),
                    pct(m.perClass[c].recall),
                    m.perClass[c].support ? formatInterval(m.confusion[j][j], m.perClass[c].support) : '–',
                    pct(m.perClass[c].f1),
                    m.perClass[c].support,
                  ]}
                />
              ))}
              {(['macro', 'weighted'] as const).map((k) => (
                <Row key={k} head={`${k} average`} className="text-slate-700" cells={[pct(m[k].precision), pct(m[k].recall), '', pct(m[k].f1), m.n]} />
              ))}
            </Table>
          </section>

          {openSlice && (
            <section id="slice-faces" className="card" aria-labelledby="slice-faces-h" data-testid="slice-faces">
              <h2 id="slice-faces-h" className="mb-1 font-medium">
                {openSlice.title}: {openSlice.faces.length} faces
              </h2>
              <p className="mb-3 text-sm">
                <Link className="text-indigo-700 underline" href={`/training/${run.id}`}>
                  Close
                </Link>
              </p>
              <ul className="flex flex-wrap gap-3">
                {openSlice.faces.map((f) => (
                  <li key={f.faceId} className="w-28 text-xs text-slate-600">
                    <Link href={`/faces/${f.faceId}`} className="block">
                      <img src={`/api/faces/${f.faceId}/image`} alt={`Face: ${f.text || 'no prediction'}`} width={112} height={112} className="h-28 w-28 rounded object-cover" />
                    </Link>
                    {f.correct ? '✓' : '✗'} {f.text}
                  </li>
                ))}
              </ul>
            </section>
          )}

          <section className="card" aria-labelledby="slices-h">
            <h2 id="slices-h" className="mb-1 font-medium">
              Slices of the test split
            </h2>
            <p className="mb-3 text-sm text-slate-600">
              Accuracy within groups of faces: a model can look good overall by learning a shortcut of the training data (say, gender for age), which shows as one slice far
              below the rest.
            </p>
            {m.slices ? (
              <SliceReport slices={m.slices} runId={run.id} set={null} testId="test-slices" />
            ) : (
              <p className="text-sm text-slate-600">This run was trained before runs measured slices.</p>
            )}
          </section>

          {evalSets.map(([name, e]) => {
            const cmp = m.comparison.evalSets?.find((r) => r.name === name);
            return (
              <section key={name} className="card space-y-3" aria-label={`Evaluation set ${name}`} data-testid={`eval-set-${name}`}>
                <h2 className="font-medium">Evaluation set “{name}”</h2>
                <SmallSampleWarning what={`Evaluation set “${name}”`} warning={tooSmallToTell(e.n)} />
                <p className="text-sm text-slate-600">
                  {e.n} faces, never trained on nor used to choose a model; scored on {e.kind === 'class' ? 'the 4 classes' : e.kind === 'age' ? 'age (old / young)' : 'mask (mask / no mask)'}
                  .
                </p>
                <div className="grid gap-4 sm:grid-cols-4">
                  {(
                    [
                      ['Accuracy (on what it labels)', e.accuracy, e.n],
                      ['4-class accuracy', e.classAccuracy, e.counts?.class ?? 0],
                      ['Mask accuracy', e.maskAccuracy, e.counts?.mask ?? 0],
                      ['Age accuracy', e.ageAccuracy, e.counts?.age ?? 0],
                    ] as const
                  ).map(([k, v, n]) => (
                    <div key={k}>
                      <p className="text-xs text-slate-500">{k}</p>
                      <p className="text-xl font-semibold">{pct(v)}</p>
                      {v !== null && n > 0 && <p className="text-xs text-slate-600">95% interval {intervalOfRatio(v, n)}</p>}
                    </div>
                  ))}
                </div>
                {cmp && (
                  <p className="text-sm" data-testid={`eval-compare-${name}`}>
                    The promoted model scored {pct(cmp.promotedAccuracy)} on the same faces{cmp.accuracy < cmp.promotedAccuracy ? ' (this run is lower)' : ''}.
                  </p>
                )}
                <SliceReport slices={e.slices} runId={run.id} set={name} testId={`eval-slices-${name}`} />
              </section>
            );
          })}

          {m.learningCurve && (
            <section className="card" aria-labelledby="lc-h">
              <h2 id="lc-h" className="mb-3 font-medium">
                Learning curve: would more labels help?
              </h2>
              <LearningCurveReport curve={m.learningCurve} />
            </section>
          )}

          <section className="card space-y-2" aria-labelledby="cmp-h">
            <h2 id="cmp-h" className="font-medium">
              Compared with the promoted model
            </h2>
            <p className="text-sm" data-testid="comparison">
              {m.comparison.promoted ? 'Promoted automatically: ' : 'Not promoted automatically: '}
              {m.comparison.reason}.
            </p>
            {m.comparison.promotedRunId && (
              <p className="text-sm text-slate-600" data-testid="comparison-basis">
                The comparison rests on the {m.n} faces of this run&apos;s test split, both models scored on them
                {tooSmallToTell(m.n) ? ': too few to tell the two apart' : ''}.
              </p>
            )}
            {promoted && old && (
              <ScrollRegion label="This run against the promoted run">
              <table className="text-left text-sm">
                <thead className="text-slate-600">
                  <tr>
                    <th className="py-1 pr-4">Measure (each on its own test split)</th>
                    <th className="py-1 pr-4">This run</th>
                    <th className="py-1">
                      <Link className="text-indigo-700 underline" href={`/training/${promoted.id}`}>
                        {promoted.title} (promoted)
                      </Link>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {(
                    [
                      ['Accuracy', m.accuracy, old.accuracy],
                      ['Macro-F1', m.macro.f1, old.macro.f1],
                      ['Mask accuracy', m.maskAccuracy, old.maskAccuracy],
                      ['Age accuracy', m.ageAccuracy, old.ageAccuracy],
                    ] as const
                  ).map(([k, a, b]) => (
                    <tr key={k}>
                      <th scope="row" className="py-1 pr-4 font-normal">
                        {k}
                      </th>
                      <td className="py-1 pr-4">{pct(a)}</td>
                      <td className="py-1">{pct(b)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              </ScrollRegion>
            )}
          </section>

          {m.misclassified.length > 0 && (
            <section className="card" aria-labelledby="mis-h">
              <h2 id="mis-h" className="mb-3 font-medium">
                Misclassified test faces ({m.misclassified.length})
              </h2>
              <ul className="flex flex-wrap gap-3">
                {m.misclassified.map((f) => (
                  <li key={f.faceId} className="w-28 text-xs text-slate-600">
                    <a href={`/faces/${f.faceId}`} aria-label={`Open this face, labelled ${labelName(f.trueLabel)} and predicted ${labelName(f.predicted)} (relabel it there)`}>
                      <img src={`/api/faces/${f.faceId}/image`} alt="" width={112} height={112} className="h-28 w-28 rounded object-cover" />
                    </a>
                    <span className="mt-1 flex flex-wrap items-center gap-1">
                      <ClassBadge label={f.trueLabel} /> → <ClassBadge label={f.predicted} /> {(100 * f.confidence).toFixed(0)}%
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}

      <section className="card" aria-labelledby="curves-h">
        <h2 id="curves-h" className="mb-3 font-medium">
          Training curves
        </h2>
        <Curves history={history} bestEpoch={bestEpoch} />
      </section>
    </div>
  );
}

/** The faces of one slice (`?slice=<dim>:<value>`, of the test split or `&set=<evaluation set>`), with each one's prediction. */
function sliceFaces(m: RunMetrics, slice: { dim: SliceDim; value: string } | null, set: string | null) {
  if (!slice) return null;
  const e = set ? m.evalSets?.[set] : null;
  if (set && !e) return null;
  const slices = e ? e.slices : m.slices;
  const ids = slices?.dims.find((d) => d.dim === slice.dim)?.values.find((v) => v.value === slice.value)?.faceIds;
  if (!ids) return null;
  const name = labelName;
  const byId = new Map<string, { correct: boolean; text: string }>();
  if (e) for (const p of e.predictions) byId.set(p.faceId, { correct: p.correct, text: `${name(p.label)} → ${name(p.predicted)}` });
  else for (const p of m.predictions ?? []) byId.set(p.faceId, { correct: p.t === p.p, text: `${name(CLASSES[p.t])} → ${name(CLASSES[p.p])}` });
  return {
    title: `${set ? `Evaluation set “${set}”` : 'Test split'}, ${SLICE_DIM_NAMES[slice.dim]}: ${slice.value}`,
    faces: ids.map((faceId) => ({ faceId, ...(byId.get(faceId) ?? { correct: false, text: '' }) })),
  };
}
