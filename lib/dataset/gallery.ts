// Gallery queries: paginated in the database, counts by aggregation.
import { z } from 'zod';
import type { Db } from '../db';
import { LABELS } from '../classes';

export const PAGE_SIZE = 48;

export const galleryFilterSchema = z.object({
  view: z.enum(['faces', 'photos']).catch('faces'),
  /** "unlabelled", a class or "excluded"; empty = any. */
  label: z.enum(['', 'unlabelled', ...LABELS]).catch(''),
  uploader: z.string().max(40).catch(''),
  /** Only whole-image samples (faces view) / photos that are one whole-image sample. */
  whole: z.enum(['', '1']).catch(''),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type GalleryFilter = z.output<typeof galleryFilterSchema>;

export function parseGalleryFilter(params: Record<string, string | string[] | undefined>): GalleryFilter {
  const one = (k: string) => (Array.isArray(params[k]) ? params[k][0] : params[k]) ?? undefined;
  return galleryFilterSchema.parse({ view: one('view'), label: one('label') ?? '', uploader: one('uploader') ?? '', whole: one('whole') ?? '', page: one('page') ?? 1 });
}

function faceWhere(f: GalleryFilter) {
  return {
    ...(f.label === 'unlabelled' ? { label: null } : f.label ? { label: f.label } : {}),
    ...(f.whole ? { wholeImage: true } : {}),
    ...(f.uploader ? { photo: { uploaderId: f.uploader } } : {}),
  };
}

export async function listFaces(db: Db, f: GalleryFilter) {
  const where = faceWhere(f);
  const [total, faces] = await Promise.all([
    db.face.count({ where }),
    db.face.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      skip: (f.page - 1) * PAGE_SIZE,
      take: PAGE_SIZE,
      select: { id: true, photoId: true, index: true, label: true, wholeImage: true, score: true, groupId: true },
    }),
  ]);
  return { total, faces, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
}

export async function listPhotos(db: Db, f: GalleryFilter) {
  const faceFilter = faceWhere({ ...f, uploader: '' });
  const where = {
    ...(f.uploader ? { uploaderId: f.uploader } : {}),
    ...(Object.keys(faceFilter).length ? { faces: { some: faceFilter } } : {}),
  };
  const [total, photos] = await Promise.all([
    db.photo.count({ where }),
    db.photo.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      skip: (f.page - 1) * PAGE_SIZE,
      take: PAGE_SIZE,
      select: { id: true, originalName: true, width: true, height: true, source: true, createdAt: true, _count: { select: { faces: true } }, uploader: { select: { email: true, name: true } } },
    }),
  ]);
  return { total, photos, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
}

/** Users who uploaded at least one photo (for the uploader filter). */
export async function uploaders(db: Db) {
  const rows = await db.photo.groupBy({ by: ['uploaderId'], _count: { _all: true } });
  const users = await db.user.findMany({ where: { id: { in: rows.map((r) => r.uploaderId) } }, select: { id: true, email: true, name: true } });
  return users.map((u) => ({ ...u, photos: rows.find((r) => r.uploaderId === u.id)?._count._all ?? 0 })).sort((a, b) => a.email.localeCompare(b.email));
}

/** A photo with its faces and, per face, how many other faces share its near-duplicate group. */
export async function photoDetail(db: Db, id: string) {
  const photo = await db.photo.findUnique({
    where: { id },
    include: {
      uploader: { select: { id: true, email: true, name: true } },
      faces: { orderBy: { index: 'asc' }, select: { id: true, index: true, x: true, y: true, w: true, h: true, score: true, wholeImage: true, label: true, groupId: true } },
    },
  });
  if (!photo) return null;
  const groupIds = [...new Set(photo.faces.map((f) => f.groupId).filter((g): g is string => !!g))];
  const groups = groupIds.length
    ? await db.face.findMany({
        where: { groupId: { in: groupIds }, photoId: { not: id } },
        select: { id: true, photoId: true, groupId: true },
        take: 200,
      })
    : [];
  return { ...photo, near: groups };
}
