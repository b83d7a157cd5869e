import type { Metadata } from 'next';
import Link from 'next/link';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { hasSuggestions, labelQueue, QUEUE_ORDERS, type QueueOrder } from '@/lib/dataset/labels';
import { CLASSES, type FaceClass } from '@/lib/classes';
import { faceFilterQuery, listFaces, MAX_FILTER_SELECTION, parseFaceFilter, uploaders } from '@/lib/dataset/gallery';
import { FaceFilterForm, Pager } from '@/app/_components/face-filters';
import { blindFaceIds, pendingReviewCount } from '@/lib/dataset/reviews';
import { classCounts } from '@/lib/dataset/balance';
import { may } from '@/lib/auth/policy';
import { LabelDesk } from './label-desk';
import { LabelGrid } from './label-grid';

export const metadata: Metadata = { title: 'Label' };

type Search = Promise<Record<string, string | string[] | undefined>>;

export default async function LabelPage({ searchParams }: { searchParams: Search }) {
  const actor = await pageGuard('labeler', '/label');
  const sp = Object.fromEntries(Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]).filter(([, v]) => v));
  const grid = sp.view === 'grid';
  const reviews = await pendingReviewCount(db(), actor);
  const tab = (active: boolean) => `rounded-md px-3 py-1.5 text-sm font-medium ${active ? 'bg-indigo-600 text-white' : 'text-slate-700 hover:bg-slate-100'}`;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">Label</h1>
        <nav aria-label="Labelling views" className="flex gap-1">
          <Link href="/label" className={tab(!grid)} aria-current={!grid ? 'page' : undefined}>
            One by one
          </Link>
          <Link href="/label?view=grid" className={tab(grid)} aria-current={grid ? 'page' : undefined}>
            Grid
          </Link>
        </nav>
        {reviews > 0 && (
          <Link href="/reviews" className="ml-auto text-sm text-indigo-700 underline" data-testid="reviews-waiting">
            {reviews} second opinion{reviews === 1 ? '' : 's'} waiting for you
          </Link>
        )}
      </div>
      {grid ? <GridView sp={sp} actorId={actor.id} /> : <DeskView sp={sp} actorId={actor.id} canTrain={may.manageModels(actor)} />}
    </div>
  );
}

/** The one-by-one desk: least confident first once the model has suggestions, unless the labeller chose another order. */
async function DeskView({ sp, actorId, canTrain }: { sp: Record<string, string | undefined>; actorId: string; canTrain: boolean }) {
  const [suggestions, { unlabelled }] = await Promise.all([hasSuggestions(db()), classCounts(db())]);
  const asked = (QUEUE_ORDERS as readonly string[]).includes(sp.order ?? '') ? (sp.order as QueueOrder) : null;
  const cls = (CLASSES as readonly string[]).includes(sp.class ?? '') ? (sp.class as FaceClass) : null;
  const order: QueueOrder = asked === 'suggested' && !cls ? 'uncertain' : (asked ?? (suggestions ? 'uncertain' : 'imported'));
  const initial = await labelQueue(db(), { limit: 20, spreadKey: actorId, order, suggested: cls ?? undefined });
  return <LabelDesk key={`${order}:${cls ?? ''}`} initial={initial} order={order} suggestedClass={cls} hasSuggestions={suggestions} unlabelled={unlabelled} canTrain={canTrain} />;
}

async function GridView({ sp, actorId }: { sp: Record<string, string | undefined>; actorId: string }) {
  // Chosen faces (`ids`, e.g. a box on the dataset map) are shown whatever their label.
  const filter = parseFaceFilter(sp, { label: sp.ids ? '' : 'unlabelled', pageSize: 60 });
  const blind = await blindFaceIds(db(), { id: actorId }); // pending second opinions: labels hidden
  const [{ faces, total, page, pages }, people] = await Promise.all([listFaces(db(), filter, { order: 'oldest', blind }), uploaders(db())]);
  const link = (p: number) => `/label?${faceFilterQuery({ ...filter, page: p }, { view: 'grid' })}`;
  return (
    <div className="space-y-3">
      <FaceFilterForm action="/label" idPrefix="f" filter={filter} people={people} hidden={{ view: 'grid' }} />
      <LabelGrid
        faces={faces}
        total={total}
        filter={{ label: filter.label, uploader: filter.uploader, whole: filter.whole, ids: filter.ids, suggested: filter.suggested, confMin: filter.confMin, confMax: filter.confMax }}
        maxSelection={MAX_FILTER_SELECTION}
      />
      <Pager
        page={page}
        pages={pages}
        href={link}
        summary={
          <span className="text-slate-600" data-testid="grid-total">
            {total} face{total === 1 ? '' : 's'}
          </span>
        }
      />
    </div>
  );
}
