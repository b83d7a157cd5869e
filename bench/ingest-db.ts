// Full ingest (decode + detect + crop + pHash + derived images + store files + DB rows and
// near-duplicate lookup) in ms per image over ../shared/data/facemask-dev, on a fresh SQLite
// database and file store. Also measures the folder import end to end (labels from folders).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from './run';
import { createDb } from '../lib/db';
import { migrate } from '../lib/db/migrate';
import { createUser } from '../lib/auth/users';
import { analyseFaces, type IngestOptions } from '../lib/dataset/ingest';
import { importPath } from '../lib/import/folder';
import { LocalStore } from '../lib/storage';
import { decodeImage } from '../lib/images';

const DATA = path.join(__dirname, '..', '..', 'shared', 'data', 'facemask-dev');

export async function bench(): Promise<BenchRow[]> {
  if (!fs.existsSync(DATA)) return [{ benchmark: 'ingest-db', value: 'skipped', unit: '', note: `${DATA} missing` }];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-bench-'));
  const url = `file:${path.join(tmp, 'bench.db')}`;
  await migrate(url);
  const db = createDb(url);
  try {
    const { user } = await createUser(db, { email: 'bench@example.com', role: 'labeler', password: 'bench-password' });
    const opts: IngestOptions = {
      store: new LocalStore(path.join(tmp, 'store')),
      limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 },
      duplicateFaceDistance: 10,
      analyse: analyseFaces,
    };
    // Warm up the detector (model load) outside the timing.
    const first = fs.readdirSync(path.join(DATA, 'mask_old'))[0];
    await analyseFaces((await decodeImage(fs.readFileSync(path.join(DATA, 'mask_old', first)), opts.limits)).rgb);
    const t0 = performance.now();
    const s = await importPath(db, opts, DATA, { uploaderId: user.id, labelsFromFolders: true });
    const ms = performance.now() - t0;
    const n = s.photos + s.duplicates + s.rejected.length;
    const grouped = await db.face.count({ where: { groupId: { not: null } } });
    return [
      { benchmark: 'ingest-db: full ingest', value: ms / Math.max(1, s.photos), unit: 'ms/image', goal: '< 500', note: `${s.photos} photos, ${s.faces} faces, ${s.rejected.length} rejected (non-images), SQLite, wasm` },
      { benchmark: 'ingest-db: folder import', value: ms / 1000, unit: 's', note: `${n} files incl. manifest.csv; ${grouped} faces in near-duplicate groups` },
    ];
  } finally {
    await db.$disconnect();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
