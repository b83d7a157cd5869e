import type { Metadata } from 'next';
import Link from 'next/link';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { LABELS } from '@/lib/classes';
import { type GalleryFilter, listFaces, listPhotos, parseGalleryFilter, uploaders } from '@/lib/dataset/gallery';

export const metadata: Metadata = { title: 'Gallery' };

function href(f: GalleryFilter, patch: Partial<GalleryFilter>) {
  const next = { ...f, page: 1, ...patch };
  const q = new URLSearchParams();
  if (next.view !== 'faces') q.set('view', next.view);
  if (next.label) q.set('label', next.label);
  if (next.uploader) q.set('uploader', next.uploader);
  if (next.whole) q.set('whole', next.whole);
  if (next.page > 1) q.set('page', String(next.page));
  const s = q.toString();
  return `/gallery${s ? `?${s}` : ''}`;
}

function Pager({ f, pages, total }: { f: GalleryFilter; pages: number; total: number }) {
  return (
    <nav aria-label="Pages" className="flex items-center gap-3 text-sm">
      <span data-testid="gallery-total">
        {total} {f.view === 'faces' ? (total === 1 ? 'face' : 'faces') : total === 1 ? 'photo' : 'photos'}
      </span>
      {f.page > 1 && (
        <Link className="btn-secondary" href={href(f, { page: f.page - 1 })} rel="prev">
          Previous
        </Link>
      )}
      <span>
        Page {Math.min(f.page, pages)} of {pages}
      </span>
      {f.page < pages && (
        <Link className="btn-secondary" href={href(f, { page: f.page + 1 })} rel="next">
          Next
        </Link>
      )}
    </nav>
  );
}

export default async function GalleryPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await pageGuard('viewer', '/gallery');
  const f = parseGalleryFilter(await searchParams);
  const people = await uploaders(db());
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Gallery</h1>
      <form method="get" className="card flex flex-wrap items-end gap-3" aria-label="Filters">
        <div>
          <label className="label" htmlFor="g-view">
            Show
          </label>
          <select id="g-view" name="view" defaultValue={f.view} className="input">
            <option value="faces">Faces</option>
            <option value="photos">Photos</option>
          </select>
        </div>
        <div>
          <label className="label" htmlFor="g-label">
            Label
          </label>
          <select id="g-label" name="label" defaultValue={f.label} className="input">
            <option value="">Any</option>
            <option value="unlabelled">Unlabelled</option>
            {LABELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label className="label" htmlFor="g-uploader">
            Uploader
          </label>
          <select id="g-uploader" name="uploader" defaultValue={f.uploader} className="input">
            <option value="">Anyone</option>
            {people.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name || u.email} ({u.photos})
              </option>
            ))}
          </select>
        </div>
        <div className="flex items-center gap-2 pb-2">
          <input id="g-whole" type="checkbox" name="whole" value="1" defaultChecked={!!f.whole} className="h-4 w-4" />
          <label htmlFor="g-whole" className="text-sm">
            Whole-image samples only
          </label>
        </div>
        <button type="submit" className="btn-primary">
          Apply
        </button>
        <Link href="/gallery" className="btn-secondary">
          Reset
        </Link>
      </form>
      {f.view === 'faces' ? <FaceGrid f={f} /> : <PhotoGrid f={f} />}
    </div>
  );
}

async function FaceGrid({ f }: { f: GalleryFilter }) {
  const { total, faces, pages } = await listFaces(db(), f);
  return (
    <section className="space-y-3" aria-label="Faces">
      <Pager f={f} pages={pages} total={total} />
      {faces.length === 0 ? (
        <p className="text-slate-600">No faces match. <Link className="underline" href="/collect">Collect photos</Link>.</p>
      ) : (
        <ul className="grid grid-cols-3 gap-3 sm:grid-cols-5 lg:grid-cols-8">
          {faces.map((face) => (
            <li key={face.id} data-testid="gallery-face">
              <Link href={`/photos/${face.photoId}#face-${face.index}`} className="block rounded-md border border-slate-200 bg-white p-1 hover:border-indigo-400">
                <img src={`/api/faces/${face.id}/image`} alt={`Face ${face.index + 1}${face.label ? `, ${face.label}` : ', unlabelled'}`} loading="lazy" className="aspect-square w-full rounded object-cover" />
                <span className="mt-1 block truncate text-xs text-slate-600">
                  {face.label ?? 'unlabelled'}
                  {face.wholeImage ? ' · whole' : ''}
                  {face.groupId ? ' · dup group' : ''}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

async function PhotoGrid({ f }: { f: GalleryFilter }) {
  const { total, photos, pages } = await listPhotos(db(), f);
  return (
    <section className="space-y-3" aria-label="Photos">
      <Pager f={f} pages={pages} total={total} />
      {photos.length === 0 ? (
        <p className="text-slate-600">No photos match.</p>
      ) : (
        <ul className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-6">
          {photos.map((p) => (
            <li key={p.id} data-testid="gallery-photo">
              <Link href={`/photos/${p.id}`} className="block rounded-md border border-slate-200 bg-white p-1 hover:border-indigo-400">
                <img src={`/api/photos/${p.id}/thumb`} alt={p.originalName} loading="lazy" className="aspect-square w-full rounded object-cover" />
                <span className="mt-1 block truncate text-xs" title={p.originalName}>
                  {p.originalName}
                </span>
                <span className="block text-xs text-slate-500">
                  {p._count.faces} {p._count.faces === 1 ? 'face' : 'faces'} · {p.uploader.name || p.uploader.email}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
