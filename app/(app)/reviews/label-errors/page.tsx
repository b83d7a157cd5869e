import type { Metadata } from 'next';
import Link from 'next/link';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { may } from '@/lib/auth/policy';
import { lastLabelErrorsJob, listLabelErrors } from '@/lib/label-errors/db';
import { SUSPECT_SCORE } from '@/lib/label-errors/rank';
import { Pager } from '@/app/_components/face-filters';
import { LiveRefresh } from '@/app/_components/live-refresh';
import { classCounts } from '@/lib/dataset/balance';
import { CLASS_NAMES, CLASSES } from '@/lib/classes';
import { LABEL_ERRORS_TRUSTED_PER_CLASS } from '@/lib/training/interval';
import { FindButton, LabelErrorDesk } from './label-error-desk';

export const metadata: Metadata = { title: 'Label errors' };

const PAGE_SIZE = 24;

export default async function LabelErrorsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await pageGuard('viewer', '/reviews/label-errors');
  const sp = await searchParams;
  const page = Math.max(1, Math.min(100_000, Number(Array.isArray(sp.page) ? sp.page[0] : sp.page) || 1));
  const all = (Array.isArray(sp.all) ? sp.all[0] : sp.all) === '1';
  const minScore = all ? 0 : SUSPECT_SCORE;
  const [list, job, counts] = await Promise.all([listLabelErrors(db(), actor, { page, pageSize: PAGE_SIZE, minScore }), lastLabelErrorsJob(db()), classCounts(db())]);
  const searching = job?.status === 'queued' || job?.status === 'running';
  const smallest = [...CLASSES].sort((a, b) => counts.perClass[a] - counts.perClass[b])[0];
  const fewFaces = counts.perClass[smallest] < LABEL_ERRORS_TRUSTED_PER_CLASS;
  const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
  const href = (p: number) => `/reviews/label-errors?${new URLSearchParams({ ...(all ? { all: '1' } : {}), ...(p > 1 ? { page: String(p) } : {}) })}`;
  const progress = job?.status === 'running' ? (JSON.parse(job.progress || '{}') as { step?: string; fold?: number; folds?: number }) : null;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Probable label errors</h1>
      <LiveRefresh active={searching} />
      <section className="card space-y-2 text-sm text-slate-700" aria-labelledby="how">
        <h2 id="how" className="font-medium">
          How they are found
        </h2>
        <p>
          Every labelled face (not excluded, not in an evaluation set) is scored by a head trained, on the cached features, on the other four fifths of
          the faces (5-fold, stratified). The score is 1 − the probability of the label it was given: the higher, the more the model disagrees.
          Listed: {all ? 'all scored faces' : `score ${SUSPECT_SCORE} or more`} that nobody kept.{' '}
          <Link className="underline" href={all ? '/reviews/label-errors' : '/reviews/label-errors?all=1'}>
            {all ? `Only score ${SUSPECT_SCORE} or more` : 'Show all scored faces'}
          </Link>
        </p>
        <p data-testid="label-errors-job">
          {job
            ? `Last run: ${job.status}${progress ? ` (${progress.step ?? ''}${progress.folds ? ` fold ${progress.fold ?? 0}/${progress.folds}` : ''})` : ''}${job.finishedAt ? `, ${job.finishedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC` : ''}${job.error ? `: ${job.error}` : ''}.`
            : 'Not run yet.'}{' '}
          {list.kept > 0 && `${list.kept} face(s) kept as labelled.`}
        </p>
        {fewFaces && (
          <p className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-amber-900" data-testid="label-errors-caveat">
            With so few faces, many flagged labels are correct: the model that scores them learnt from {counts.perClass[smallest]} labelled faces of{' '}
            {CLASS_NAMES[smallest]} (under {LABEL_ERRORS_TRUSTED_PER_CLASS} a class, its disagreement says little). Look at each face before changing its label.
          </p>
        )}
        {may.manageModels(actor) && <FindButton />}
      </section>
      {list.total === 0 && searching ? (
        <p className="text-sm text-slate-600" role="status" data-testid="label-errors-searching">
          Searching ({job?.status}): suspected label errors appear here when it ends.
        </p>
      ) : list.total === 0 ? (
        <p className="text-sm text-slate-600" data-testid="label-errors-empty">
          {job?.status === 'succeeded' ? 'No suspected label errors.' : job ? 'No suspected label errors: the last search did not finish.' : 'No suspected label errors yet: nobody has searched.'}
        </p>
      ) : (
        <>
          <LabelErrorDesk items={list.items} canAct={may.label(actor)} />
          <Pager page={page} pages={pages} href={href} summary={<span>{list.total} listed</span>} />
        </>
      )}
    </div>
  );
}
