// Two workers that embed the same faces at once (a map job beside a train job on another worker)
// both store their vectors: the second write waits for the first and replaces its rows with equal
// ones, where it used to fail on the key of Feature (faceId, backbone, mirrored).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { createDb, type Db } from '@/lib/db';
import { analyseFaces, type IngestOptions } from '@/lib/dataset/ingest';
import { importPath } from '@/lib/import/folder';
import { ensureFeatures, FEATURE_KEY, loadFeatures } from '@/lib/features/cache';
import { LocalStore } from '@/lib/storage';

const FIX = path.resolve(__dirname, '../fixtures/facemask/mask_old');
let t: TestDb;
let other: Db;
let tmp: string;
let store: LocalStore;
let ids: string[];

beforeAll(async () => {
  t = await freshDb();
  other = createDb(t.url);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-features-concurrent-'));
  store = new LocalStore(path.join(tmp, 'store'));
  const photos = path.join(tmp, 'photos');
  fs.mkdirSync(photos);
  for (const f of fs.readdirSync(FIX).filter((n) => n.endsWith('.jpg')).sort().slice(0, 2)) fs.copyFileSync(path.join(FIX, f), path.join(photos, f));
  const opts: IngestOptions = { store, limits: { maxUploadBytes: 25 << 20, maxPixels: 50_000_000 }, duplicateFaceDistance: 10, analyse: analyseFaces };
  const admin = await t.db.user.create({ data: { email: 'a@x.test', passwordHash: 'x', role: 'admin' } });
  expect((await importPath(t.db, opts, photos, { uploaderId: admin.id, source: 'import' })).rejected).toEqual([]);
  ids = (await t.db.face.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((f) => f.id);
  expect(ids.length).toBe(2);
}, 120_000);

afterAll(async () => {
  await other?.$disconnect();
  await t?.cleanup();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Resolves once `n` sessions of this database wait for a lock (PostgreSQL). */
async function lockWaiters(n: number) {
  for (let i = 0; i < 2400; i++) {
    const [{ waiting }] = await t.db.$queryRawUnsafe<{ waiting: number }[]>(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (waiting >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fewer than ${n} sessions ever waited for a lock`);
}

it('two clients embedding the same faces at once both succeed and leave one row per face and view', async () => {
  if (t.provider === 'postgresql') {
    // Make the two writes overlap for sure: a third session holds the faces' rows, so the first
    // writer stops after its vectors (at the faces' apparent gender/age) and the second one waits
    // for the first one's vectors. Then the faces are let go.
    let release!: () => void;
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    const holder = t.db.$transaction(
      async (tx) => {
        await tx.$queryRawUnsafe(`SELECT "id" FROM "Face" WHERE "id" IN ($1, $2) FOR UPDATE`, ids[0], ids[1]);
        held();
        await new Promise<void>((r) => (release = r));
      },
      { timeout: 600_000, maxWait: 60_000 },
    );
    await holding;
    const writes = Promise.allSettled([ensureFeatures(t.db, ids, { store }), ensureFeatures(other, ids, { store })]);
    await lockWaiters(2);
    release();
    await holder;
    const results = await writes;
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String((r.reason as Error).message).trim().split('\n').pop()))).toEqual([
      { computed: 2, cached: 0 },
      { computed: 2, cached: 0 },
    ]);
  } else {
    // One writer at a time on SQLite (BEGIN IMMEDIATE): both end well.
    expect(await Promise.all([ensureFeatures(t.db, ids, { store }), ensureFeatures(other, ids, { store })])).toEqual([
      { computed: 2, cached: 0 },
      { computed: 2, cached: 0 },
    ]);
  }
  const rows = await t.db.feature.groupBy({ by: ['faceId', 'mirrored'], where: { backbone: FEATURE_KEY }, _count: { _all: true } });
  expect(rows.map((r) => r._count._all)).toEqual([1, 1, 1, 1]);
  expect([...(await loadFeatures(t.db, ids)).keys()].sort()).toEqual(ids);
  expect(await t.db.face.count({ where: { apparentMale: null } })).toBe(0);
  // and they are cached now: a third run embeds nothing
  expect(await ensureFeatures(other, ids, { store })).toEqual({ computed: 0, cached: 2 });
}, 300_000);

it('a face deleted while its features are computed (its box removed) is skipped; the other faces get theirs', async () => {
  await t.db.feature.deleteMany();
  // The store hands out the photo, and the face is deleted before its vectors are written, as a
  // labeller removing the box on the photo page would.
  const [doomed, kept] = ids;
  const racing = Object.assign(Object.create(store) as LocalStore, {
    get: async (key: string) => {
      const bytes = await store.get(key);
      await t.db.face.deleteMany({ where: { id: doomed } });
      return bytes;
    },
  });
  await ensureFeatures(t.db, [doomed, kept], { store: racing });
  expect((await t.db.feature.findMany({ select: { faceId: true } })).map((f) => f.faceId).sort()).toEqual([kept, kept]);
  expect(await t.db.face.count({ where: { id: doomed } })).toBe(0);
}, 120_000);
