import type { Metadata } from 'next';
import Link from 'next/link';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { hasRole } from '@/lib/auth/roles';
import { CLASS_COLORS, CLASS_NAMES, CLASSES } from '@/lib/classes';
import { dashboard, IMBALANCE_WARNING } from '@/lib/dataset/balance';
import { ClassChart, DayChart } from './charts';
import { TargetsForm } from './targets-form';

export const metadata: Metadata = { title: 'Dashboard' };

const pct = (v: number) => `${Math.round(v * 100)}%`;

export default async function DashboardPage() {
  const actor = await pageGuard('viewer', '/dashboard');
  const d = await dashboard(db());
  const { counts, targets, imbalance } = d;
  const admin = hasRole(actor.role, 'admin');
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
          <div className="card">
            <dt className="text-sm text-slate-600">Unlabelled</dt>
            <dd className="text-2xl font-semibold tabular-nums" data-testid="count-unlabelled">
              {counts.unlabelled}
            </dd>
          </div>
          <div className="card">
            <dt className="text-sm text-slate-600">Excluded</dt>
            <dd className="text-2xl font-semibold tabular-nums" data-testid="count-excluded">
              {counts.excluded}
            </dd>
          </div>
          <div className="card">
            <dt className="text-sm text-slate-600">Imbalance (largest / smallest)</dt>
            <dd className="text-2xl font-semibold tabular-nums" data-testid="imbalance-ratio">
              {imbalance.ratio === null ? (counts.labelled ? '∞' : '—') : imbalance.ratio.toFixed(2)}
            </dd>
          </div>
          <div className="card">
            <dt className="text-sm text-slate-600">Near-duplicate groups</dt>
            <dd className="text-2xl font-semibold tabular-nums" data-testid="duplicate-groups">
              {d.duplicates.groups} <span className="text-sm font-normal text-slate-500">({d.duplicates.faces} faces)</span>
            </dd>
          </div>
        </dl>
        {imbalance.warn && (
          <p role="alert" className="alert-error" data-testid="imbalance-warning">
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
        </section>
        <section className="card" aria-labelledby="class-chart">
          <h2 id="class-chart" className="mb-2 font-medium">
            Per class against target
          </h2>
          <ClassChart perClass={counts.perClass} targets={targets} />
        </section>
      </div>

      <section className="card" aria-labelledby="per-day">
        <h2 id="per-day" className="mb-2 font-medium">
          Labels per day (last {d.days.length} days, UTC)
        </h2>
        <DayChart days={d.days} />
      </section>

      <section className="card overflow-x-auto" aria-labelledby="per-labeler">
        <h2 id="per-labeler" className="mb-2 font-medium">
          Per labeler
        </h2>
        {d.labelers.length === 0 ? (
          <p className="text-sm text-slate-600">Nobody has labelled a face yet.</p>
        ) : (
          <table className="w-full text-left text-sm tabular-nums">
            <thead className="text-slate-500">
              <tr>
                <th className="py-1 pr-3">Labeler</th>
                {CLASSES.map((c) => (
                  <th key={c} className="py-1 pr-3">
                    {CLASS_NAMES[c]}
                  </th>
                ))}
                <th className="py-1 pr-3">Excluded</th>
                <th className="py-1 pr-3">Total</th>
                <th className="py-1">Agreement (second opinions)</th>
              </tr>
            </thead>
            <tbody>
              {d.labelers.map((l) => {
                const a = agreement.get(l.userId);
                return (
                  <tr key={l.userId} className="border-t border-slate-100" data-testid={`labeler-${l.email}`}>
                    <td className="py-1 pr-3">{l.name || l.email}</td>
                    {CLASSES.map((c) => (
                      <td key={c} className="py-1 pr-3">
                        {l.perClass[c]}
                      </td>
                    ))}
                    <td className="py-1 pr-3">{l.excluded}</td>
                    <td className="py-1 pr-3 font-medium">{l.total}</td>
                    <td className="py-1">{a ? `${pct(a.rate)} of ${a.reviewed}` : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <p className="mt-2 text-xs text-slate-500">
          Second opinions: {d.reviews.pending} pending, {d.reviews.agreed} agreed, {d.reviews.disagreed} disagreements open, {d.reviews.resolved}{' '}
          resolved.{admin && (
            <>
              {' '}
              <Link href="/reviews" className="text-indigo-700 underline">
                Manage reviews
              </Link>
            </>
          )}
        </p>
      </section>

      <section className="card overflow-x-auto" aria-labelledby="per-split">
        <h2 id="per-split" className="mb-2 font-medium">
          Per split
        </h2>
        {d.splits.length === 0 ? (
          <p className="text-sm text-slate-600">No splits yet: they are assigned by the first training run.</p>
        ) : (
          <table className="w-full text-left text-sm tabular-nums">
            <thead className="text-slate-500">
              <tr>
                <th className="py-1 pr-3">Split</th>
                {CLASSES.map((c) => (
                  <th key={c} className="py-1 pr-3">
                    {CLASS_NAMES[c]}
                  </th>
                ))}
                <th className="py-1 pr-3">Excluded</th>
                <th className="py-1">Total</th>
              </tr>
            </thead>
            <tbody>
              {d.splits.map((s) => (
                <tr key={s.split} className="border-t border-slate-100" data-testid={`split-${s.split}`}>
                  <td className="py-1 pr-3">{s.split}</td>
                  {CLASSES.map((c) => (
                    <td key={c} className="py-1 pr-3">
                      {s.perClass[c]}
                    </td>
                  ))}
                  <td className="py-1 pr-3">{s.excluded}</td>
                  <td className="py-1">{s.total}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {admin && (
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
