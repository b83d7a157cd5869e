import Link from 'next/link';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { may } from '@/lib/auth/policy';
import { CLASS_COLORS, CLASS_NAMES, CLASSES } from '@/lib/classes';
import { homeState, nextAction } from '@/lib/overview/home';
import { intervalOfRatio, tooSmallToTell } from '@/lib/training/interval';
import type { RunSummary } from '@/lib/training/views';
import { LiveRefresh } from '@/app/_components/live-refresh';

export const dynamic = 'force-dynamic';

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const JOB_NAMES: Record<string, string> = {
  train: 'retrain',
  suggest: 'suggestions',
  map: 'dataset map',
  'label-errors': 'label-error search',
  features: 'features',
  export: 'export',
  import: 'import',
};

function Step({ n, title, href, linkText, children, testId }: { n: number; title: string; href?: string | null; linkText?: string; children: React.ReactNode; testId: string }) {
  return (
    <li className="card space-y-2" data-testid={testId}>
      <h3 className="font-medium">
        <span className="mr-2 inline-flex h-6 w-6 items-center justify-center rounded-full bg-indigo-100 text-sm text-indigo-800" aria-hidden>
          {n}
        </span>
        {title}
      </h3>
      <div className="space-y-1 text-sm text-slate-700">{children}</div>
      {href && (
        <Link href={href} className="inline-block text-sm text-indigo-700 underline">
          {linkText}
        </Link>
      )}
    </li>
  );
}

function RunLine({ run, what }: { run: RunSummary; what: string }) {
  const small = run.testFaces !== null ? tooSmallToTell(run.testFaces) : null;
  return (
    <p>
      {what}{' '}
      <Link className="text-indigo-700 underline" href={`/training/${run.id}`}>
        {run.title}
      </Link>
      {run.status !== 'succeeded' ? (
        <> ({run.status})</>
      ) : (
        <>
          : accuracy <strong>{pct(run.accuracy)}</strong>
          {run.accuracy !== null && run.testFaces ? ` (95% interval ${intervalOfRatio(run.accuracy, run.testFaces)}, ${run.testFaces} test faces)` : ''}
          {small ? <span className="text-amber-800"> — too few test faces to tell</span> : null}
        </>
      )}
    </p>
  );
}

export default async function Home() {
  const actor = await pageGuard('viewer', '/');
  const s = await homeState(db(), actor);
  const next = nextAction(s, actor);
  const active = Object.entries(s.activeJobs);
  const labeler = may.label(actor);
  const admin = may.manageModels(actor);
  return (
    <div className="space-y-6">
      <LiveRefresh active={active.length > 0} />
      <div>
        <h1 className="text-2xl font-semibold">Welcome, {actor.name || actor.email}</h1>
        <p className="mt-1 text-slate-600">
          masklab turns your team&apos;s photos into a labelled face dataset (mask or not, young or old) and trains a classifier from it. You are signed in as{' '}
          <strong>{actor.role}</strong>.
        </p>
      </div>

      <section className="card border-indigo-300 bg-indigo-50" aria-labelledby="next-h" data-testid="next-action">
        <p className="text-xs font-medium tracking-wide text-indigo-800 uppercase">Your next step</p>
        <h2 id="next-h" className="mt-1 text-xl font-semibold">
          {next.title}
        </h2>
        <p className="mt-1 text-sm text-slate-700">{next.why}</p>
        {next.href && next.cta && (
          <Link href={next.href} className="btn-primary mt-3">
            {next.cta}
          </Link>
        )}
      </section>

      {active.length > 0 && (
        <p className="text-sm text-slate-700" role="status" data-testid="home-jobs">
          Working in the background: {active.map(([type, status]) => `${JOB_NAMES[type] ?? type} (${status})`).join(', ')}. This page updates by itself.
        </p>
      )}

      <section aria-labelledby="loop-h">
        <h2 id="loop-h" className="mb-3 text-lg font-medium">
          Where the project stands
        </h2>
        <ol className="grid gap-4 lg:grid-cols-2">
          <Step n={1} title="Collect photos" testId="step-collect" href={labeler ? '/collect' : '/gallery'} linkText={labeler ? 'Upload photos' : 'Open the gallery'}>
            <p>
              <strong data-testid="home-photos">{s.photos}</strong> photos, <strong data-testid="home-faces">{s.counts.total}</strong> faces found in them.
            </p>
          </Step>

          <Step n={2} title="Label faces" testId="step-label" href={labeler ? '/label' : '/dashboard'} linkText={labeler ? 'Label faces' : 'See the dashboard'}>
            <p>
              <strong data-testid="home-unlabelled">{s.counts.unlabelled}</strong> waiting for a label, {s.counts.labelled} labelled, {s.counts.excluded} excluded.
              {s.activeJobs.suggest ? ' The model is computing suggestions.' : ''}
            </p>
            <table className="w-full text-left text-sm" data-testid="home-classes">
              <caption className="sr-only">Labelled faces per class against the minimum for a meaningful retrain and the target</caption>
              <thead className="text-xs text-slate-500">
                <tr>
                  <th className="py-1 pr-2 font-normal">Class</th>
                  <th className="py-1 pr-2 font-normal">Labelled</th>
                  <th className="py-1 pr-2 font-normal">Minimum</th>
                  <th className="py-1 pr-2 font-normal">Target</th>
                  <th className="w-1/3 py-1 font-normal">
                    <span className="sr-only">Progress to target</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {CLASSES.map((c) => {
                  const have = s.counts.perClass[c];
                  return (
                    <tr key={c} className="border-t border-slate-100">
                      <th scope="row" className="py-1 pr-2 font-normal">
                        <span className="mr-1.5 inline-block h-2.5 w-2.5 rounded-full" style={{ background: CLASS_COLORS[c] }} aria-hidden />
                        {CLASS_NAMES[c]}
                      </th>
                      <td className="py-1 pr-2 tabular-nums">
                        {have}
                        {have < s.minimum && <span className="ml-1 text-xs text-amber-800">(below minimum)</span>}
                      </td>
                      <td className="py-1 pr-2 tabular-nums">{s.minimum}</td>
                      <td className="py-1 pr-2 tabular-nums">{s.targets[c]}</td>
                      <td className="py-1">
                        <progress className="w-full" value={Math.min(have, s.targets[c])} max={s.targets[c]} aria-label={`${CLASS_NAMES[c]}: ${have} of ${s.targets[c]}`} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </Step>

          <Step
            n={3}
            title="Check the labels"
            testId="step-review"
            href={may.manageReviews(actor) ? '/reviews' : s.myReviews > 0 ? '/reviews' : '/reviews/label-errors'}
            linkText={may.manageReviews(actor) || s.myReviews > 0 ? 'Open Reviews' : 'See suspected label errors'}
          >
            <p>
              <strong data-testid="home-reviews">{s.reviews.pending + s.reviews.disagreed}</strong> open reviews ({s.reviews.pending} second opinions waiting
              {labeler ? `, ${s.myReviews} for you` : ''}; {s.reviews.disagreed} disagreements to decide).
            </p>
            <p>
              <strong data-testid="home-label-errors">{s.labelErrors}</strong> suspected label errors.{' '}
              <Link className="text-indigo-700 underline" href="/reviews/label-errors">
                Label errors
              </Link>
            </p>
          </Step>

          <Step n={4} title="Train and use the model" testId="step-train" href={s.promoted ? '/preview' : '/training'} linkText={s.promoted ? 'Try it in the preview' : 'Open Training'}>
            {s.lastRun ? <RunLine run={s.lastRun} what="Last run:" /> : <p>No run yet.{admin ? '' : ' An admin starts one from Training.'}</p>}
            {s.unsplit > 0 && s.lastRun && <p>{s.unsplit} labelled faces are newer than the last retrain.</p>}
            <div data-testid="home-promoted">
              {s.promoted ? <RunLine run={s.promoted} what="Promoted model:" /> : <p>No model promoted yet: the preview and the suggestions wait for one.</p>}
            </div>
          </Step>
        </ol>
      </section>
    </div>
  );
}
