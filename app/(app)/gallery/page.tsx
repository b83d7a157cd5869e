import type { Metadata } from 'next';
import Link from 'next/link';
import { ClassBadge, labelName } from '@/app/_components/class-badge';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { type FaceFilter, faceFilterQuery, listFaces, listPhotos, PAGE_SIZE, parseFaceFilter, uploaders } from '@/lib/dataset/gallery';
import { blindFaceIds } from '@/lib/dataset/reviews';
import { FaceFilterForm, Pager } from '@/app/_components/face-filters';
import { SelectField } from '@/app/_components/fields';

export const metadata: Metadata = { title: 'Gallery' };

type View = 'faces' | 'photos';
type Search = Record<string, string | string[] | undefined>;

function href(view: View, f: FaceFilter, page: number) {
  const q = faceFilterQuery({ ...f, page }, view === 'photos' ? { view } : {});
  return `/gallery${q ? `?${q}` : ''}`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export default async function GalleryPage({ searchParams }: { searchParams: Promise<Search> }) {
  const actor = await pageGuard('viewer', '/gallery');
  const sp = await searchParams;
  const blind = await blindFaceIds(db(), actor); // pending second opinions: labels hidden
  const view: View = sp.view === 'photos' ? 'photos' : 'faces';
  const f = parseFaceFilter(sp, { pageSize: PAGE_SIZE });
  const people = await uploaders(db());
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Gallery</h1>
      <FaceFilterForm
        action="/gallery"
        idPrefix="g"
        filter={f}
        people={people}
        before={
          <SelectField
            id="g-view"
            name="view"
            label="Show"
            defaultValue={view}
            options={[
              { value: 'faces', label: 'Faces' },
              { value: 'photos', label: 'Photos' },
            ]}
          />
        }
      />
      {view === 'faces' ? <FaceGrid f={f} blind={blind} /> : <PhotoGrid f={f} blind={blind} />}
    </div>
  );
}

async function FaceGrid({ f, blind }: { f: FaceFilter; blind: Set<string> }) {
  const { total, faces, page, pages } = await listFaces(db(), f, { order: 'newest', blind });
  return (
    <section className="space-y-3" aria-label="Faces">
      <Pager page={page} pages={pages} href={(p) => href('faces', f, p)} summary={<span data-testid="gallery-total">{plural(total, 'face', 'faces')}</span>} />
      {faces.length === 0 ? (
        <p className="text-slate-600">No faces match. <Link className="underline" href="/collect">Collect photos</Link>.</p>
      ) : (
        <ul className="grid grid-cols-3 gap-3 sm:grid-cols-5 lg:grid-cols-8">
          {faces.map((face) => (
            <li key={face.id} data-testid="gallery-face">
              <Link href={`/photos/${face.photoId}#face-${face.index}`} className="block rounded-md border border-slate-200 bg-surface p-1 hover:border-indigo-400">
                <img src={`/api/faces/${face.id}/image`} alt={`Face ${face.index + 1}, ${face.label ? labelName(face.label) : 'unlabelled'}`} loading="lazy" className="aspect-square w-full rounded object-cover" />
                <span className="mt-1 flex flex-wrap items-center gap-1 text-xs text-slate-600">
                  <ClassBadge label={face.label} />
                  {face.wholeImage && <span title="The whole photo is the sample (no face box)">whole photo</span>}
                  {face.groupId && <span title="Near-duplicate of another face">duplicate</span>}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

async function PhotoGrid({ f, blind }: { f: FaceFilter; blind: Set<string> }) {
  const { total, photos, page, pages } = await listPhotos(db(), f, { blind });
  return (
    <section className="space-y-3" aria-label="Photos">
      <Pager page={page} pages={pages} href={(p) => href('photos', f, p)} summary={<span data-testid="gallery-total">{plural(total, 'photo', 'photos')}</span>} />
      {photos.length === 0 ? (
        <p className="text-slate-600">No photos match.</p>
      ) : (
        <ul className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-6">
          {photos.map((p) => (
            <li key={p.id} data-testid="gallery-photo">
              <Link href={`/photos/${p.id}`} className="block rounded-md border border-slate-200 bg-surface p-1 hover:border-indigo-400">
                <img src={`/api/photos/${p.id}/thumb`} alt={p.originalName} loading="lazy" className="aspect-square w-full rounded object-cover" />
                <span className="mt-1 block truncate text-xs" title={p.originalName}>
                  {p.originalName}
                </span>
                <span className="block truncate text-xs text-slate-600">
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
