// The live preview's capture: a camera frame goes through the ingest pipeline (source "camera", unlabelled) and
// its faces get the promoted model's suggestions at once; without a promoted model the photo is stored all the same.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { makeUser } from '../helpers/faces';
import { testMeta } from '../helpers/models';
import { testTf } from '../helpers/tf';
import type { Actor } from '@/lib/auth/roles';
import { CLASSES } from '@/lib/classes';
import { analyseFaces, type IngestOptions } from '@/lib/dataset/ingest';
import { checkStorage } from '@/lib/housekeeping/storage-check';
import { FEATURE_DIM } from '@/lib/inference/backbone';
import { saveModel } from '@/lib/models/registry';
import { promote } from '@/lib/training/promote';
import { SUGGEST_JOB } from '@/lib/suggest/queue';
import { captureFrame } from '@/lib/capture/index';
import { FEATURE_KEY } from '@/lib/features/cache';
import { buildHead, DEFAULT_HEAD } from '@/lib/training/head';
import { LocalStore } from '@/lib/storage';

const SCENES = path.join(__dirname, '..', 'fixtures', 'facemask', 'scenes');
let t: TestDb;
let tmp: string;
let store: LocalStore;
let opts: IngestOptions;
let ann: Actor;

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-capture-'));
  store = new LocalStore(path.join(tmp, 'store'));
  opts = { store, limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 }, duplicateFaceDistance: 10, analyse: analyseFaces };
  ann = await makeUser(t.db, 'labeler');
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const frame = (name: string) => ({ bytes: fs.readFileSync(path.join(SCENES, name)), name: `camera-${name}`, uploaderId: ann.id });

it('without a promoted model: the frame is stored as a camera photo with its faces, unlabelled, without suggestions', async () => {
  const r = await captureFrame(t.db, opts, frame('cdeb_with_mask401.jpg'));
  expect(r.status).toBe('added');
  if (r.status !== 'added') return;
  expect(r.faces).toHaveLength(3);
  expect(r.faces.every((f) => f.suggestion === null)).toBe(true);
  expect(r.note).toMatch(/No model has been promoted/);
  expect(r.note).not.toMatch(/background worker/); // no model: nothing was queued, so nothing will follow
  const photo = await t.db.photo.findUniqueOrThrow({ where: { id: r.photoId }, include: { faces: true } });
  expect(photo.source).toBe('camera');
  expect(photo.faces.map((f) => f.label)).toEqual([null, null, null]);
  expect(await t.db.job.count({ where: { type: SUGGEST_JOB } })).toBe(0); // nothing to suggest with
  expect(await checkStorage(t.db, store)).toMatchObject({ missing: [], orphans: [] });
}, 120_000);

it("with a promoted model: every face of the frame gets the model's suggestion at once, and cached features", async () => {
  const tf = await testTf();
  const modelsDir = path.join(tmp, 'models');
  const model = buildHead(tf, FEATURE_DIM, { ...DEFAULT_HEAD, hidden: 4, useAge: false }, 1);
  const dir = await saveModel(tf, modelsDir, 'runCam', model, testMeta('runCam', FEATURE_DIM));
  await t.db.run.create({ data: { id: 'runCam', backbone: 'test-backbone', status: 'succeeded', modelDir: dir } });
  await promote(t.db, 'runCam');
  await t.db.job.deleteMany({ where: { type: SUGGEST_JOB } }); // queued by the promotion; not what is tested here

  const r = await captureFrame(t.db, opts, frame('cdeb_pic1.jpg'));
  expect(r.status).toBe('added');
  if (r.status !== 'added') return;
  expect(r.faces.length).toBeGreaterThanOrEqual(2);
  const ids = r.faces.map((f) => f.id);
  const rows = await t.db.suggestion.findMany({ where: { faceId: { in: ids } } });
  expect(rows).toHaveLength(ids.length);
  for (const s of rows) {
    expect(s.runId).toBe('runCam');
    expect(CLASSES).toContain(s.label);
    const probs = JSON.parse(s.probs) as number[];
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(s.confidence).toBeCloseTo(Math.max(...probs), 5);
    const answered = r.faces.find((f) => f.id === s.faceId)?.suggestion;
    expect(answered).toMatchObject({ label: s.label, runId: 'runCam' });
    expect(answered!.confidence).toBeCloseTo(s.confidence, 6);
  }
  expect(await t.db.feature.count({ where: { faceId: { in: ids }, backbone: FEATURE_KEY } })).toBe(2 * ids.length);
  expect(await t.db.job.count({ where: { type: SUGGEST_JOB } })).toBe(0);

  // The same frame again is a duplicate, nothing added.
  const again = await captureFrame(t.db, opts, frame('cdeb_pic1.jpg'));
  expect(again).toMatchObject({ status: 'duplicate', photoId: r.photoId });
  expect(await checkStorage(t.db, store)).toMatchObject({ missing: [], orphans: [] });
}, 180_000);
