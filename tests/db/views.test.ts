// Augmented training views in the feature cache: one Feature row per (face, backbone, view, view seed) under a
// view-specific key, computed once and reused, the same vectors when computed again, never mixed with the plain
// and mirrored vectors. Real ingest, real detector and faceres, on a few fixture faces.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { analyseFaces, type IngestOptions } from '@/lib/dataset/ingest';
import { importPath } from '@/lib/import/folder';
import { FEATURE_KEY } from '@/lib/features/cache';
import { ensureViews, loadViews, viewKey } from '@/lib/features/views';
import { LocalStore } from '@/lib/storage';

const FIX = path.resolve(__dirname, '../fixtures/facemask');
let t: TestDb;
let tmp: string;
let store: LocalStore;
let ids: string[];

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-views-'));
  store = new LocalStore(path.join(tmp, 'store'));
  const opts: IngestOptions = { store, limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 }, duplicateFaceDistance: 10, analyse: analyseFaces };
  const admin = await t.db.user.create({ data: { email: 'a@x.test', passwordHash: 'x', role: 'admin' } });
  await importPath(t.db, opts, path.join(FIX, 'nomask_young'), { uploaderId: admin.id, source: 'import' });
  ids = (await t.db.face.findMany({ select: { id: true }, orderBy: { id: 'asc' }, take: 3 })).map((f) => f.id);
  expect(ids).toHaveLength(3);
}, 120_000);

afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('view cache', () => {
  it('computes each (face, view) once under its own key and reuses it', async () => {
    expect(await ensureViews(t.db, ids, { views: ['lowres', 'mix2'], store })).toEqual({ computed: 6, cached: 0 });
    const rows = await t.db.feature.findMany({ select: { faceId: true, backbone: true, mirrored: true } });
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => r.backbone))).toEqual(new Set([viewKey('faceres', 'lowres', 1337), viewKey('faceres', 'mix2', 1337)]));
    expect(rows.every((r) => !r.mirrored && r.backbone !== FEATURE_KEY && r.backbone.startsWith(`${FEATURE_KEY}+view:`))).toBe(true);
    // again: nothing to compute; a third view: only that one
    expect(await ensureViews(t.db, ids, { views: ['lowres', 'mix2'], store })).toEqual({ computed: 0, cached: 6 });
    expect(await ensureViews(t.db, ids.slice(0, 1), { views: ['lowres', 'blur'], store })).toEqual({ computed: 1, cached: 1 });
  }, 120_000);

  it('gives the same vectors when computed again, per seed; another seed is another key', async () => {
    const before = await loadViews(t.db, ids, ['lowres', 'mix2']);
    expect([...before.values()].map((v) => v.length)).toEqual([2, 2, 2]);
    await t.db.feature.deleteMany({ where: { backbone: viewKey('faceres', 'mix2', 1337) } });
    expect(await ensureViews(t.db, ids, { views: ['mix2'], store })).toEqual({ computed: 3, cached: 0 });
    const after = await loadViews(t.db, ids, ['lowres', 'mix2']);
    for (const id of ids) expect(after.get(id)!.map((v) => Array.from(v.features))).toEqual(before.get(id)!.map((v) => Array.from(v.features)));
    expect(await ensureViews(t.db, ids.slice(0, 1), { views: ['mix2'], seed: 7, store })).toEqual({ computed: 1, cached: 0 });
    const other = await loadViews(t.db, ids.slice(0, 1), ['mix2'], { seed: 7 });
    expect(Array.from(other.get(ids[0])![0].features)).not.toEqual(Array.from(before.get(ids[0])![1].features));
  }, 120_000);
});
