// Cursor pagination of the API's lists (`?cursor=&limit=` → `{ items, nextCursor }`): a cursor is the
// sort key of the last item of a page (keyset pagination), so a page never skips or repeats rows when
// rows are added or removed meanwhile, and it costs the same on page 1 and page 1,000. Opaque to
// clients: base64url of a JSON array of the key's values.
import { UserError } from '../errors';

export type Page<T> = { items: T[]; nextCursor: string | null };

/** The most items one page may hold, and the default. */
export const MAX_PAGE_LIMIT = 200;
export const DEFAULT_PAGE_LIMIT = 50;

export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The key values of a cursor, checked against the kinds expected (`'string'`, `'number'`, or
 * `'date'`: an ISO timestamp, returned as a Date). A cursor that is not one of ours is a 400.
 */
export function decodeCursor<const K extends readonly ('string' | 'number' | 'date')[]>(
  cursor: string,
  kinds: K,
): { [I in keyof K]: K[I] extends 'date' ? Date : K[I] extends 'number' ? number : string } {
  const bad = () => new UserError('Invalid cursor: pass the nextCursor of the previous page as it is');
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(key) || key.length !== kinds.length) throw bad();
  return key.map((v, i) => {
    if (kinds[i] === 'number') {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad();
      return v;
    }
    if (typeof v !== 'string' || v.length > 200) throw bad();
    if (kinds[i] === 'date') {
      const d = new Date(v);
      if (Number.isNaN(d.getTime())) throw bad();
      return d;
    }
    return v;
  }) as never;
}

/**
 * A page from `rows` fetched with `take: limit + 1`: the first `limit`, and the cursor of the last
 * of them when there was one more.
 */
export function pageOf<R, T = R>(rows: R[], limit: number, key: (row: R) => (string | number)[], map: (row: R) => T = (r) => r as unknown as T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), nextCursor: more ? encodeCursor(key(kept[kept.length - 1])) : null };
}
