import type { Metadata } from 'next';
import Link from 'next/link';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { CLASS_NAMES, LABELS } from '@/lib/classes';
import { gridFilterSchema, labelQueue, listFaces, uploaders } from '@/lib/dataset/labels';
import { pendingReviewCount } from '@/lib/dataset/reviews';
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
      {grid ? <GridView sp={sp} /> : <LabelDesk initial={await labelQueue(db(), { limit: 20, spreadKey: actor.id })} />}
    </div>
  );
}

async function GridView({ sp }: { sp: Record<string, string | undefined> }) {
  const parsed = gridFilterSchema.safeParse(sp);
  const filter = parsed.success ? parsed.data : gridFilterSchema.parse({});
  const [{ faces, total, page, pages }, people] = await Promise.all([listFaces(db(), filter), uploaders(db())]);
  const link = (p: number) => {
    const q = new URLSearchParams({ ...(sp as Record<string, string>), view: 'grid', page: String(p) });
    return `/label?${q}`;
  };
  return (
    <div className="space-y-3">
      <form method="get" action="/label" className="card grid gap-3 sm:grid-cols-5 sm:items-end" aria-label="Filters">
        <input type="hidden" name="view" value="grid" />
        <div>
          <label className="label" htmlFor="f-status">
            Show
          </label>
          <select id="f-status" name="status" defaultValue={filter.status} className="input">
            <option value="unlabelled">Unlabelled</option>
            <option value="labelled">Labelled</option>
            <option value="excluded">Excluded</option>
            <option value="all">All</option>
          </select>
        </div>
        <div>
          <label className="label" htmlFor="f-label">
            Class
          </label>
          <select id="f-label" name="label" defaultValue={filter.label ?? ''} className="input">
            <option value="">Any</option>
            {LABELS.map((l) => (
              <option key={l} value={l}>
                {CLASS_NAMES[l]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label className="label" htmlFor="f-uploader">
            Uploader
          </label>
          <select id="f-uploader" name="uploaderId" defaultValue={filter.uploaderId ?? ''} className="input">
            <option value="">Anyone</option>
            {people.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name || u.email}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label className="label" htmlFor="f-whole">
            Samples
          </label>
          <select id="f-whole" name="wholeImage" defaultValue={filter.wholeImage ?? ''} className="input">
            <option value="">Detected faces and whole images</option>
            <option value="no">Detected faces only</option>
            <option value="yes">Whole-image samples only</option>
          </select>
        </div>
        <button className="btn-primary">Apply</button>
      </form>
      <p className="text-sm text-slate-600" data-testid="grid-total">
        {total} face{total === 1 ? '' : 's'} · page {page} of {pages}
      </p>
      <LabelGrid faces={faces} />
      <nav aria-label="Pages" className="flex items-center gap-2">
        {page > 1 && (
          <Link className="btn-secondary" href={link(page - 1)}>
            ← Previous
          </Link>
        )}
        {page < pages && (
          <Link className="btn-secondary" href={link(page + 1)}>
            Next →
          </Link>
        )}
      </nav>
    </div>
  );
}
