// The API's lists of faces and photos: the gallery's filter (gallery.ts `faceWhere`, the same
// blind-review rule), paginated by cursor (lib/db/cursor.ts) instead of page numbers, newest first.
import type { Db, Prisma } from '../db';
import { decodeCursor, type Page, pageOf } from '../db/cursor';
import { type FaceFilterInput, faceFilterSchema, faceWhere, withBlind } from './gallery';
import { type FaceCard, faceCard, toCard } from './labels';
import { redactBlind } from './reviews';

export type CursorOptions = { cursor?: string; limit: number; blind?: Set<string> };

/** Rows after the cursor's (createdAt, id), in the order createdAt desc, id asc. */
function after(cursor: string | undefined): { OR?: { createdAt: Date | { lt: Date }; id?: { gt: string } }[] } {
  if (!cursor) return {};
  const [at, id] = decodeCursor(cursor, ['date', 'string']);
  return { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { gt: id } }] };
}

const keyOf = (r: { createdAt: Date; id: string }) => [r.createdAt.toISOString(), r.id];

/** Faces matching the filter, newest first (paging fields of the filter are ignored). */
export async function facesPage(db: Db, filter: FaceFilterInput, { cursor, limit, blind = new Set() }: CursorOptions): Promise<Page<FaceCard>> {
  const f = faceFilterSchema.parse(filter);
  const where: Prisma.FaceWhereInput = { AND: [withBlind(faceWhere(f), f, blind), after(cursor)] };
  const rows = await db.face.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: limit + 1, select: faceCard });
  const page = pageOf(rows, limit, keyOf, toCard);
  return { ...page, items: redactBlind(page.items, blind) };
}

export type PhotoListItem = {
  id: string;
  originalName: string;
  width: number;
  height: number;
  source: string;
  createdAt: Date;
  faces: number;
  uploader: { id: string; email: string; name: string | null };
};

/** Photos with at least one face matching the filter (the uploader filter is the photo's), newest first. */
export async function photosPage(db: Db, filter: FaceFilterInput, { cursor, limit, blind = new Set() }: CursorOptions): Promise<Page<PhotoListItem>> {
  const f = faceFilterSchema.parse(filter);
  const faceFilter = withBlind(faceWhere({ ...f, uploader: '' }), f, blind);
  const where: Prisma.PhotoWhereInput = {
    AND: [
      f.uploader ? { uploaderId: f.uploader } : {},
      Object.keys(faceFilter).length ? { faces: { some: faceFilter } } : {},
      after(cursor),
    ],
  };
  const rows = await db.photo.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    take: limit + 1,
    select: { id: true, originalName: true, width: true, height: true, source: true, createdAt: true, _count: { select: { faces: true } }, uploader: { select: { id: true, email: true, name: true } } },
  });
  return pageOf(rows, limit, keyOf, ({ _count, ...p }) => ({ ...p, faces: _count.faces }));
}
