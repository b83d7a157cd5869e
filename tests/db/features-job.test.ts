// The "features" job: apparent gender and age for faces that have none, without training. Faces whose
// features are cached already get them from the cached plain vector (no backbone run); the others are
// embedded (real ingest, detector and faceres on three fixture photos, a temp file store).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { analyseFaces, type IngestOptions } from '@/lib/dataset/ingest';
import { importPath } from '@/lib/import/folder';
import { getJob } from '@/lib/queue/jobs';
import { Worker } from '@/lib/queue/worker';
import { ensureFeatures, FEATURE_KEY, loadFeatures } from '@/lib/features/cache';
import { featuresHandlers, queueFeatures } from '@/lib/features/job';
import { activeFeaturesJob, apparentPending } from '@/lib/features/queue';
import { LocalStore } from '@/lib/storage';

const FIX = path.resolve(__dirname, '../fixtures/facemask');
let t: TestDb;
let tmp: string;
let store: LocalStore;
let ids: string[];

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-features-job-'));
  store = new LocalStore(path.join(tmp, 'store'));
  const photos = path.join(tmp, 'photos');
  fs.mkdirSync(photos);
  for (const cls of ['mask_old', 'nomask_young', 'nomask_old']) {
    const f = fs.readdirSync(path.join(FIX, cls)).filter((n) => n.endsWith('.jpg'))[0];
    fs.copyFileSync(path.join(FIX, cls, f), path.join(photos, `${cls}.jpg`));
  }
  const opts: IngestOptions = { store, limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 }, duplicateFaceDistance: 10, analyse: analyseFaces };
  const admin = await t.db.user.create({ data: { email: 'a@x.test', passwordHash: 'x', role: 'admin' } });
  const r = await importPath(t.db, opts, photos, { uploaderId: admin.id, source: 'import' });
  expect(r.rejected).toEqual([]);
  ids = (await t.db.face.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((f) => f.id);
  expect(ids).toHaveLength(3);
}, 300_000);

afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const apparent = (id: string) => t.db.face.findUniqueOrThrow({ where: { id }, select: { apparentMale: true, apparentAge: true } });

describe('apparent gender and age', () => {
  it('are written with the features, from the plain (not mirrored) view', async () => {
    expect(await ensureFeatures(t.db, [ids[0]], { store })).toEqual({ computed: 1, cached: 0 });
    const plain = (await loadFeatures(t.db, [ids[0]])).get(ids[0])!.plain;
    const a = await apparent(ids[0]);
    expect(a.apparentMale).toBeCloseTo(plain.male, 6);
    expect(a.apparentAge).toBeCloseTo(plain.age, 4);
    expect(a.apparentMale).toBeGreaterThanOrEqual(0);
    expect(a.apparentMale).toBeLessThanOrEqual(1);
    expect(a.apparentAge).toBeGreaterThan(0);
  }, 120_000);

  it('the features job fills them from cached vectors and computes the rest; excluded faces are skipped', async () => {
    // Cached before the apparent values were stored: the job must copy them, not rerun the backbone.
    await t.db.face.update({ where: { id: ids[0] }, data: { apparentMale: null, apparentAge: null } });
    await t.db.face.update({ where: { id: ids[2] }, data: { label: 'excluded' } });
    expect(await apparentPending(t.db)).toBe(2);

    const { job, alreadyQueued } = await queueFeatures(t.db, null);
    expect(alreadyQueued).toBe(false);
    expect(await queueFeatures(t.db, null)).toMatchObject({ job: { id: job.id }, alreadyQueued: true });
    expect(await activeFeaturesJob(t.db)).toMatchObject({ id: job.id, status: 'queued' });

    const w = new Worker(t.db, { handlers: featuresHandlers({ store }), log: () => {} });
    expect(await w.runOnce()).toBe(true);
    const done = (await getJob(t.db, job.id))!;
    expect(done.status).toBe('succeeded');
    expect(JSON.parse(done.result!)).toEqual({ backfilled: 1, computed: 1 });
    expect(JSON.parse(done.progress!)).toEqual({ step: 'done', backfilled: 1, features: { done: 1, total: 1 } });

    const vectors = await loadFeatures(t.db, ids);
    for (const id of ids.slice(0, 2)) {
      const a = await apparent(id);
      expect(a.apparentMale).toBeCloseTo(vectors.get(id)!.plain.male, 6);
      expect(a.apparentAge).toBeCloseTo(vectors.get(id)!.plain.age, 4);
    }
    expect(await apparent(ids[2])).toEqual({ apparentMale: null, apparentAge: null });
    expect(await t.db.feature.count({ where: { backbone: FEATURE_KEY } })).toBe(4); // faces 0 and 1, plain and mirrored
    expect(await apparentPending(t.db)).toBe(0);
    expect(await activeFeaturesJob(t.db)).toBeNull();
  }, 120_000);
});
