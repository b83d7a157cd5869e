import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import Link from 'next/link';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { may } from '@/lib/auth/policy';
import { CLASS_COLORS, CLASS_NAMES, CLASSES } from '@/lib/classes';
import { dashboard, IMBALANCE_WARNING, type LabelerPace, labelerPace, PACE_DAYS } from '@/lib/dataset/balance';
import { Row, Table } from '@/app/_components/table';
import { confounds, shortCells } from '@/lib/dataset/confounds';
import { activeFeaturesJob, apparentPending } from '@/lib/features/queue';
import { ClassChart, DayChart } from './charts';
import { TargetsForm } from './targets-form';
import { ApparentForm } from './apparent-form';
import { ConfoundTable, GenderCells } from './confounds';
import { LabelErrorsSection } from './label-errors-section';
import { LearningCurveHint } from './learning-curve-hint';
import { latestLearningCurve } from '@/lib/training/views';

export const metadata: Metadata = { title: 'Dashboard' };

const pct = (v: number) => `${Math.round(v * 100)}%`;

/** Labels per hour (over the hours with at least one label event) and the share of the model's suggestions taken. */
function paceCells(p: LabelerPace | undefined): ReactNode[] {
  return [
    p?.perHour != null ? <span title={`${p.labels} labels in ${p.activeHours} active hour(s)`}>{Math.round(p.perHour)}</span> : '—',
    p?.acceptRate != null ? `${pct(p.acceptRate)} of ${p.suggested}` : '—',
  ];
}

export default async function DashboardPage() {
  const actor = await pageGuard('viewer', '/dashboard');
  const [d, conf, apparent, featuresJob, pace, curve] = await Promise.all([
    dashboard(db()),
    confounds(db()),
    apparentPending(db()),
    activeFeaturesJob(db()),
    labelerPace(db()),
    latestLearningCurve(db()),
  ]);
  const { counts, targets, imbalance } = d;

  const agreement = new Map(d.agreement.map((a) => [a.userId, a]));
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Dashboard</h1>

      <section aria-labelledby="per-class" className="space-y-3">
        <h2 id="per-class" className="sr-only">
          Labelled faces per class
        </h2>
        <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          {CLASSES.map((c) => {
            const n = counts.perClass[c];
            const share = Math.min(1, n / targets[c]);
            return (
              <li key={c} className="card">
                <p className="flex items-center gap-2 text-sm text-slate-600">
                  <span className="h-3 w-3 rounded-full" style={{ background: CLASS_COLORS[c] }} aria-hidden />
                  {CLASS_NAMES[c]}
                </p>
                <p className="mt-1 text-3xl font-semibold tabular-nums">
                  <span data-testid={`class-count-${c}`}>{n}</span>
                  <span className="text-base font-normal text-slate-500"> / {targets[c]}</span>
                </p>
                <div
                  className="mt-2 h-2 overflow-hidden rounded bg-slate-100"
                  role="progressbar"
                  aria-label={`${CLASS_NAMES[c]}: progress to target`}
                  aria-valuemin={0}
                  aria-valuemax={targets[c]}
                  aria-valuenow={n}
                >
                  <div className="h-full" style={{ width: pct(share), background: CLASS_COLORS[c] }} />
                </div>
                <p className="mt-1 text-xs text-slate-500">{pct(share)} of target</p>
              </li>
            );
          })}
        </ul>
        <dl className="grid gap-3 sm:grid-cols-4">
          <Stat label="Unlabelled" testId="count-unlabelled" value={counts.unlabelled} />
          <Stat label="Excluded" testId="count-excluded" value={counts.excluded} />
          <Stat
            label="Imbalance (largest / smallest)"
            testId="imbalance-ratio"
            value={imbalance.ratio === null ? (counts.labelled ? '∞' : '—') : imbalance.ratio.toFixed(2)}
          />
          <Stat
            label="Near-duplicate groups"
            testId="duplicate-groups"
            value={
              <>
                {d.duplicates.groups} <span className="text-sm font-normal text-slate-500">({d.duplicates.faces} faces)</span>
              </>
            }
          />
        </dl>
        {imbalance.warn && (
          <p role="alert" className="alert-warning" data-testid="imbalance-warning">
            The classes are out of balance: {CLASS_NAMES[imbalance.largest]} has {counts.perClass[imbalance.largest]} faces,{' '}
            {CLASS_NAMES[imbalance.smallest]} {counts.perClass[imbalance.smallest]} (ratio above {IMBALANCE_WARNING}).
          </p>
        )}
      </section>

      <div className="grid gap-4 lg:grid-cols-2">
        <section className="card" aria-labelledby="collect-next">
          <h2 id="collect-next" className="mb-2 font-medium">
            Collect next
          </h2>
          {d.collectNext.length === 0 ? (
            <p className="text-sm text-slate-600">Every class has reached its target.</p>
          ) : (
            <ol className="list-decimal space-y-1 pl-5 text-sm" data-testid="collect-next">
              {d.collectNext.map((c) => (
                <li key={c.cls}>
                  <strong>{CLASS_NAMES[c.cls]}</strong>: {c.missing} more ({pct(c.progress)} of {c.target})
                </li>
              ))}
            </ol>
          )}
          <GenderCells cells={shortCells(conf.rows, targets)} unknown={conf.unknown} />
          <LearningCurveHint latest={curve} />
        </section>
        <section className="card" aria-labelledby="class-chart">
          <h2 id="class-chart" className="mb-2 font-medium">
            Per class against target
          </h2>
          <ClassChart perClass={counts.perClass} targets={targets} />
        </section>
      </div>

      <section className="card space-y-3" aria-labelledby="confounds">
        <h2 id="confounds" className="font-medium">
          Confounds: apparent gender and source per class
        </h2>
        <p className="text-sm text-slate-600">
          Training data only (evaluation sets left out). Gender is the backbone&apos;s apparent gender; when two classes differ in it, or in where
          their photos come from, the model may learn that instead of age or mask.
          {Date.now() - conf.countedAt.getTime() >= 2000 && (
            <> Counted {Math.round((Date.now() - conf.countedAt.getTime()) / 1000)} s ago: with this many faces it is recounted in the background at most every 30 s.</>
          )}
        </p>
        <ConfoundTable report={conf} />
        {may.manageModels(actor) && (apparent > 0 || featuresJob) && <ApparentForm pending={apparent} job={featuresJob} />}
      </section>

      <section className="card" aria-labelledby="per-day">
        <h2 id="per-day" className="mb-2 font-medium">
          Labels per day (last {d.days.length} days, UTC)
        </h2>
        <DayChart days={d.days} />
      </section>

      <section className="card" aria-labelledby="per-labeler">
        <h2 id="per-labeler" className="mb-2 font-medium">
          Per labeler
        </h2>
        {d.labelers.length === 0 ? (
          <p className="text-sm text-slate-600">Nobody has labelled a face yet.</p>
        ) : (
          <Table
            label="Labels per labeller"
            head={['Labeler', ...CLASSES.map((c) => CLASS_NAMES[c]), 'Excluded', 'Total', 'Agreement (second opinions)', `Labels per hour (${PACE_DAYS} days)`, 'Suggestions accepted']}
          >
            {d.labelers.map((l) => {
              const a = agreement.get(l.userId);
              return (
                <Row
                  key={l.userId}
                  testId={`labeler-${l.email}`}
                  cells={[
                    l.name || l.email,
                    ...CLASSES.map((c) => l.perClass[c]),
                    l.excluded,
                    <strong key="t">{l.total}</strong>,
                    a ? `${pct(a.rate)} of ${a.reviewed}` : '—',
                    ...paceCells(pace.get(l.userId)),
                  ]}
                />
              );
            })}
          </Table>
        )}
        <p className="mt-2 text-xs text-slate-500">
          Second opinions: {d.reviews.pending} pending, {d.reviews.agreed} agreed, {d.reviews.disagreed} disagreements open, {d.reviews.resolved}{' '}
          resolved.{may.manageReviews(actor) && (
            <>
              {' '}
              <Link href="/reviews" className="text-indigo-700 underline">
                Manage reviews
              </Link>
            </>
          )}
        </p>
      </section>

      <section className="card" aria-labelledby="per-split">
        <h2 id="per-split" className="mb-2 font-medium">
          Per split
        </h2>
        {d.splits.length === 0 ? (
          <p className="text-sm text-slate-600">No splits yet: they are assigned by the first training run.</p>
        ) : (
          <Table label="Faces per split" head={['Split', ...CLASSES.map((c) => CLASS_NAMES[c]), 'Excluded', 'Total']}>
            {d.splits.map((s) => (
              <Row key={s.split} testId={`split-${s.split}`} cells={[s.split, ...CLASSES.map((c) => s.perClass[c]), s.excluded, s.total]} />
            ))}
          </Table>
        )}
      </section>

      <LabelErrorsSection />

      {may.setTargets(actor) && (
        <section className="card" aria-labelledby="targets">
          <h2 id="targets" className="mb-2 font-medium">
            Targets per class
          </h2>
          <TargetsForm targets={targets} />
        </section>
      )}
    </div>
  );
}

function Stat({ label, value, testId }: { label: string; value: ReactNode; testId: string }) {
  return (
    <div className="card">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}
