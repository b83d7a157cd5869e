// Near-duplicate faces: crops whose 64-bit pHashes differ in at most `maxDistance` bits share a
// groupId (the id of the group's first face). Candidates are found in the database by exact
// match on one of the hash's 8 bytes, then checked exactly here, so only ~3% of faces are read.
// Two hashes within 7 bits always share a byte (pigeonhole); at 10 bits they do in ~97% of cases.
// Measured on the fixtures (pHash of blazeface crops): re-encoded, resized, brightened or
// slightly shifted copies are 0-12 bits apart (95% <= 10), different faces 16+ bits apart.
import type { Db, Tx } from '../db';

const HEX16 = /^[0-9a-f]{16}$/;

/** Splits 16 hex characters into `n` contiguous bands as even as possible: [start, length] (1-based start). */
export function hexBands(n: number): Array<[number, number]> {
  const k = Math.max(1, Math.min(16, n));
  const out: Array<[number, number]> = [];
  let start = 1;
  for (let i = 0; i < k; i++) {
    const len = Math.floor(16 / k) + (i < 16 % k ? 1 : 0);
    out.push([start, len]);
    start += len;
  }
  return out;
}

export function hamming(a: string, b: string): number {
  let x = BigInt('0x' + a) ^ BigInt('0x' + b);
  let n = 0;
  while (x > 0n) {
    x &= x - 1n; // clears the lowest set bit
    n++;
  }
  return n;
}

export type GroupMatch = { id: string; groupId: string | null; distance: number };

/** The closest existing face within `maxDistance` of `phash` (excluding the photo `exceptPhotoId`), or null. */
export async function nearestFace(db: Db | Tx, phash: string, maxDistance: number, exceptPhotoId?: string): Promise<GroupMatch | null> {
  if (!HEX16.test(phash)) throw new Error(`bad phash ${phash}`);
  // Hex literals only (validated above), so the SQL is safe to build and identical on SQLite and PostgreSQL.
  const where = hexBands(8)
    .map(([s, l]) => `substr("phash", ${s}, ${l}) = '${phash.substr(s - 1, l)}'`)
    .join(' OR ');
  const rows = await (db as Db).$queryRawUnsafe<Array<{ id: string; phash: string; groupId: string | null; photoId: string }>>(
    `SELECT "id", "phash", "groupId", "photoId" FROM "Face" WHERE ${where}`,
  );
  let best: GroupMatch | null = null;
  for (const r of rows) {
    if (r.photoId === exceptPhotoId || !HEX16.test(r.phash)) continue;
    const d = hamming(phash, r.phash);
    if (d <= maxDistance && (!best || d < best.distance)) best = { id: r.id, groupId: r.groupId, distance: d };
  }
  return best;
}
