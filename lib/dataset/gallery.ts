// Browsing faces and photos (the gallery and the labelling grid): one filter, paginated in the
// database, counts by aggregation.
import { z } from 'zod';
import type { Db, Prisma } from '../db';
import { CLASSES, LABELS } from '../classes';
import { faceCard, toCard } from './labels';
import { blindFaceIds, redactBlind } from './reviews';
import { type Actor } from '../auth/roles';
import { UserError } from '../errors';

export const PAGE_SIZE = 48;
/** At most this many faces in an `ids` filter (it travels in the URL). */
export const MAX_IDS = 200;

/**
 * The one face filter, shared by the gallery and the labelling grid (URL parameters of both
 * pages). Each field is one Prisma where-clause in `faceWhere`; a later filter (say,
 * "suggested by the model as class X") is one more field there. Bad values fall back to
 * the default rather than failing the page.
 */
export const faceFilterSchema = z.object({
  /** "" any, "unlabelled", "labelled" (a class or excluded), a class, or "excluded". */
  label: z.enum(['', 'unlabelled', 'labelled', ...LABELS]).catch(''),
  /** Uploader's user id. */
  uploader: z.string().max(40).catch(''),
  /** Whole-image samples only ("yes"), detected faces only ("no"), or both (""). */
  whole: z.enum(['', 'yes', 'no']).catch(''),
  /** These faces only (comma-separated ids, e.g. a box selection on the dataset map); "" all. */
  ids: z
    .string()
    .max(MAX_IDS * 40)
    .regex(/^[A-Za-z0-9_,-]*$/)
    .catch(''),
  /** The promoted model suggests this class (unlabelled faces only: a labelled face's suggestion is ignored). */
  suggested: z.enum(['', ...CLASSES]).catch(''),
  /** The suggestion's confidence, in percent: at least confMin, at most confMax (unlabelled faces with a suggestion). */
  confMin: z.coerce.number().min(0).max(100).optional().catch(undefined),
  confMax: z.coerce.number().min(0).max(100).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  pageSize: z.coerce.number().int().min(10).max(200).catch(PAGE_SIZE),
});
export type FaceFilter = z.output<typeof faceFilterSchema>;
export type FaceFilterInput = Partial<z.input<typeof faceFilterSchema>>;

type Params = Record<string, string | string[] | undefined>;

/** A filter from URL search parameters; `defaults` fill what the URL does not say. */
export function parseFaceFilter(params: Params, defaults: FaceFilterInput = {}): FaceFilter {
  const one = (k: string) => (Array.isArray(params[k]) ? params[k][0] : params[k]) || undefined;
  const raw = Object.fromEntries((['label', 'uploader', 'whole', 'ids', 'suggested', 'confMin', 'confMax', 'page', 'pageSize'] as const).map((k) => [k, one(k) ?? defaults[k]]));
  return faceFilterSchema.parse(raw);
}

/** The URL search string of a filter (defaults left out), for links and pagers. */
export function faceFilterQuery(f: FaceFilter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams(extra);
  if (f.label) q.set('label', f.label);
  if (f.uploader) q.set('uploader', f.uploader);
  if (f.whole) q.set('whole', f.whole);
  if (f.ids) q.set('ids', f.ids);
  if (f.suggested) q.set('suggested', f.suggested);
  if (f.confMin !== undefined) q.set('confMin', String(f.confMin));
  if (f.confMax !== undefined) q.set('confMax', String(f.confMax));
  if (f.pageSize !== PAGE_SIZE) q.set('pageSize', String(f.pageSize));
  if (f.page > 1) q.set('page', String(f.page));
  return q.toString();
}

export function faceWhere(f: Pick<FaceFilter, 'label' | 'uploader' | 'whole'> & Partial<Pick<FaceFilter, 'ids' | 'suggested' | 'confMin' | 'confMax'>>): Prisma.FaceWhereInput {
  const where: Prisma.FaceWhereInput = {};
  if (f.label === 'unlabelled') where.label = null;
  else if (f.label === 'labelled') where.label = { not: null };
  else if (f.label) where.label = f.label;
  if (f.uploader) where.photo = { uploaderId: f.uploader };
  if (f.whole) where.wholeImage = f.whole === 'yes';
  if (f.ids) where.id = { in: f.ids.split(',').filter(Boolean).slice(0, MAX_IDS) };
  if (f.suggested || f.confMin !== undefined || f.confMax !== undefined) {
    const is: Prisma.SuggestionWhereInput = {};
    if (f.suggested) is.label = f.suggested;
    if (f.confMin !== undefined || f.confMax !== undefined) {
      is.confidence = { ...(f.confMin !== undefined ? { gte: f.confMin / 100 } : {}), ...(f.confMax !== undefined ? { lte: f.confMax / 100 } : {}) };
    }
    // Suggestions are for unlabelled faces: a labelled face's old suggestion never matches.
    where.AND = [{ label: null }, { suggestion: { is } }];
  }
  return where;
}

/** The most faces one "select all matching" may act on. */
export const MAX_FILTER_SELECTION = 5000;

/**
 * The ids of every face matching a filter (not only one page), in upload order: a grid selection
 * of "all matching". Refused with a message when more than `cap` faces match.
 */
export async function facesMatching(db: Db, filter: FaceFilterInput, { blind = new Set(), cap = MAX_FILTER_SELECTION }: { blind?: Set<string>; cap?: number } = {}): Promise<string[]> {
  const f = faceFilterSchema.parse(filter);
  const where = withBlind(faceWhere(f), f, blind);
  const total = await db.face.count({ where });
  if (total > cap) {
    throw new UserError(`The filter matches ${total} faces; at most ${cap} can be changed at once: narrow the filter (a class, a confidence range, an uploader)`, 413);
  }
  const rows = await db.face.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true } });
  return rows.map((r) => r.id);
}

export type ListOptions = {
  /** Newest first (the gallery) or in upload order (the labelling grid). */
  order?: 'newest' | 'oldest';
  /**
   * Faces whose label this user may not see (a pending blind second opinion of theirs, see
   * reviews.ts `blindFaceIds`): left out of label filters and shown unlabelled.
   */
  blind?: Set<string>;
};

/** Label filters leave blind faces out (else the filter would reveal their label). */
export function withBlind(where: Prisma.FaceWhereInput, f: FaceFilter, blind: Set<string>): Prisma.FaceWhereInput {
  return f.label && f.label !== 'unlabelled' && blind.size ? { AND: [where, { id: { notIn: [...blind] } }] } : where;
}

/** One page of faces. */
export async function listFaces(db: Db, filter: FaceFilterInput, { order = 'newest', blind = new Set() }: ListOptions = {}) {
  const f = faceFilterSchema.parse(filter);
  const where = withBlind(faceWhere(f), f, blind);
  const dir = order === 'newest' ? 'desc' : 'asc';
  const [total, rows] = await Promise.all([
    db.face.count({ where }),
    db.face.findMany({
      where,
      orderBy: [{ createdAt: dir }, { id: 'asc' }],
      skip: (f.page - 1) * f.pageSize,
      take: f.pageSize,
      select: faceCard,
    }),
  ]);
  const faces = redactBlind(rows.map(toCard), blind);
  return { total, faces, page: f.page, pages: Math.max(1, Math.ceil(total / f.pageSize)) };
}

/** One page of photos that have at least one face matching the filter. */
export async function listPhotos(db: Db, filter: FaceFilterInput, { blind = new Set() }: Pick<ListOptions, 'blind'> = {}) {
  const f = faceFilterSchema.parse(filter);
  const faceFilter = withBlind(faceWhere({ ...f, uploader: '' }), f, blind);
  const where: Prisma.PhotoWhereInput = {
    ...(f.uploader ? { uploaderId: f.uploader } : {}),
    ...(Object.keys(faceFilter).length ? { faces: { some: faceFilter } } : {}),
  };
  const [total, rows] = await Promise.all([
    db.photo.count({ where }),
    db.photo.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      skip: (f.page - 1) * f.pageSize,
      take: f.pageSize,
      select: { id: true, originalName: true, width: true, height: true, source: true, createdAt: true, uploader: { select: { email: true, name: true } } },
    }),
  ]);
  // Faces of this page's photos only: `_count` in the select counted every face of every photo (1.2 s at 200,000 faces).
  const counts = rows.length
    ? new Map((await db.face.groupBy({ by: ['photoId'], where: { photoId: { in: rows.map((p) => p.id) } }, _count: { _all: true } })).map((c) => [c.photoId, c._count._all]))
    : new Map<string, number>();
  const photos = rows.map((p) => ({ ...p, _count: { faces: counts.get(p.id) ?? 0 } }));
  return { total, photos, page: f.page, pages: Math.max(1, Math.ceil(total / f.pageSize)) };
}

/** Users who uploaded at least one photo, with their photo counts (for the uploader filters). */
export async function uploaders(db: Db): Promise<{ id: string; email: string; name: string | null; photos: number }[]> {
  const rows = await db.photo.groupBy({ by: ['uploaderId'], _count: { _all: true } });
  if (rows.length === 0) return [];
  const users = await db.user.findMany({ where: { id: { in: rows.map((r) => r.uploaderId) } }, select: { id: true, email: true, name: true } });
  const count = new Map(rows.map((r) => [r.uploaderId, r._count._all]));
  return users.map((u) => ({ ...u, photos: count.get(u.id) ?? 0 })).sort((a, b) => a.email.localeCompare(b.email));
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

/**
 * A grid selection: some faces by id, or "all matching the filter" (resolved here, on the server,
 * within MAX_FILTER_SELECTION). Paging fields of the filter are ignored.
 */
export const selectionSchema = z
  .object({
    faceIds: z.array(z.string().min(1)).max(MAX_FILTER_SELECTION).optional().meta({ description: 'These faces (send either faceIds or filter)' }),
    filter: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .optional()
      .meta({ description: 'Every face matching a grid filter: label, uploader, whole, ids, suggested, confMin, confMax (as in the gallery URL)' }),
  })
  .refine((s) => (s.faceIds ? 1 : 0) + (s.filter ? 1 : 0) === 1, 'Send either faceIds or filter');
export type Selection = z.output<typeof selectionSchema>;

/** The face ids of a selection, as `actor` may act on them (their blind second opinions left out). */
export async function resolveSelection(db: Db, actor: Pick<Actor, 'id'>, sel: Selection): Promise<string[]> {
  if (sel.faceIds) return sel.faceIds;
  return facesMatching(db, sel.filter as FaceFilterInput, { blind: await blindFaceIds(db, actor) });
}
