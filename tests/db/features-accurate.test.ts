// The accurate backbone (faceres + faceres-deep + gear's age bins): its features have the documented layout,
// are deterministic, are cached under their own key (never mixed with the default's), and a head trained on
// them gives the same probabilities through the predict path (`classifyEncoded`, which runs the extra
// models because the meta says so) as on the cached training features: training and inference preprocess
// alike. Real ingest, real detector and backbones, on two fixture classes and the scene photos (24 faces).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { analyseFaces, type IngestOptions } from '@/lib/dataset/ingest';
import { importPath } from '@/lib/import/folder';
import { FEATURE_DIM, featureDim, featureLayout, GEAR_AGE_BINS } from '@/lib/inference/backbone';
import { classifyFeatures, headInput } from '@/lib/inference/classify';
import type { FeaturePair } from '@/lib/inference/types';
import { classifyEncoded } from '@/lib/models/serve';
import { getTf } from '@/lib/models/tf';
import { decodeOriginal, describeImageBoxes, ensureFeatures, FEATURE_KEY, featureKey, loadFeatures } from '@/lib/features/cache';
import { DEFAULT_HEAD } from '@/lib/training/head';
import { buildModelMeta } from '@/lib/training/meta';
import { suggestFaces } from '@/lib/suggest/job';
import { trainHead } from '@/lib/training/train-head';
import { samplesOf } from '@/lib/training/cross-validate';
import { LocalStore, originalKey } from '@/lib/storage';

const FIX = path.resolve(__dirname, '../fixtures/facemask');
const ACCURATE = 'faceres+deep' as const;
let t: TestDb;
let tmp: string;
let store: LocalStore;
type StoredFace = { id: string; x: number; y: number; w: number; h: number; photo: { sha256: string } };
let faces: StoredFace[];
let pairs: Map<string, FeaturePair>;

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-accurate-'));
  store = new LocalStore(path.join(tmp, 'store'));
  const opts: IngestOptions = { store, limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 }, duplicateFaceDistance: 10, analyse: analyseFaces };
  const admin = await t.db.user.create({ data: { email: 'a@x.test', passwordHash: 'x', role: 'admin' } });
  for (const dir of ['mask_old', 'nomask_young', 'scenes']) {
    const r = await importPath(t.db, opts, path.join(FIX, dir), { uploaderId: admin.id, source: 'import' });
    expect(r.rejected).toEqual([]);
  }
  faces = await t.db.face.findMany({
    select: { id: true, x: true, y: true, w: true, h: true, photo: { select: { sha256: true } } },
    orderBy: [{ photoId: 'asc' }, { index: 'asc' }],
  });
  expect(faces.length).toBe(24); // 16 single-face images + 8 faces in the 3 scene photos
  expect(await ensureFeatures(t.db, faces.map((f) => f.id), { store, kind: ACCURATE, batch: 5 })).toEqual({ computed: 24, cached: 0 });
  pairs = await loadFeatures(t.db, faces.map((f) => f.id), ACCURATE);
}, 600_000);

afterAll(async () => {
  await t?.cleanup();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('accurate backbone features', () => {
  it('are faceres, faceres-deep and gear age-bin probabilities, in that order, for every face and its mirror', () => {
    expect(featureLayout(ACCURATE).map((b) => [b.name, b.dim, b.l2])).toEqual([
      ['faceres', FEATURE_DIM, true],
      ['faceres-deep', FEATURE_DIM, true],
      ['gear-age', GEAR_AGE_BINS, false],
    ]);
    expect(pairs.size).toBe(24);
    for (const p of pairs.values()) {
      for (const v of [p.plain, p.mirrored!]) {
        expect(v.features.length).toBe(featureDim(ACCURATE));
        const gear = Array.from(v.features.subarray(2 * FEATURE_DIM));
        expect(gear.every((x) => x >= 0 && x <= 1)).toBe(true);
        expect(gear.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
        // faceres-deep is its own model: its block is not a copy of faceres'.
        const a = v.features.subarray(0, FEATURE_DIM);
        const d = v.features.subarray(FEATURE_DIM, 2 * FEATURE_DIM);
        expect(a.some((x, i) => Math.abs(x - d[i]) > 1e-3)).toBe(true);
      }
    }
  });

  it('are cached under their own key beside the default ones, whose faceres block and apparent gender they share', async () => {
    expect(await t.db.feature.count({ where: { backbone: featureKey(ACCURATE) } })).toBe(48);
    expect(await t.db.feature.count({ where: { backbone: FEATURE_KEY } })).toBe(0);
    expect(await ensureFeatures(t.db, faces.map((f) => f.id), { store, kind: ACCURATE })).toEqual({ computed: 0, cached: 24 });
    const ids = faces.slice(0, 4).map((f) => f.id);
    expect(await ensureFeatures(t.db, ids, { store })).toEqual({ computed: 4, cached: 0 });
    const fast = await loadFeatures(t.db, ids);
    for (const id of ids) {
      const acc = pairs.get(id)!.plain;
      const def = fast.get(id)!.plain;
      expect(def.features.length).toBe(FEATURE_DIM);
      let worst = 0;
      def.features.forEach((x, k) => (worst = Math.max(worst, Math.abs(x - acc.features[k]))));
      expect(worst).toBeLessThan(1e-4);
      expect(def.male).toBeCloseTo(acc.male, 4);
    }
  });

  it('are deterministic: the same photo gives the same vectors again', async () => {
    const f = faces.find((x) => x.w < 200) ?? faces[0];
    const image = await decodeOriginal((await store.get(originalKey(f.photo.sha256)))!);
    const again = (await describeImageBoxes(image, [{ x: f.x, y: f.y, w: f.w, h: f.h }], ACCURATE))[0];
    expect(Array.from(again.plain.features)).toEqual(Array.from(pairs.get(f.id)!.plain.features));
    expect(Array.from(again.mirrored!.features)).toEqual(Array.from(pairs.get(f.id)!.mirrored!.features));
  });

  it('train a head whose predict-path probabilities equal those on the training features (within 1e-4)', async () => {
    const tf = await getTf();
    const layout = featureLayout(ACCURATE);
    const cfg = { ...DEFAULT_HEAD, maxEpochs: 5 };
    const ordered = faces.map((f) => pairs.get(f.id)!);
    const y = faces.map((_, i) => i % 4);
    const samples = samplesOf({ pairs: ordered, y }, cfg, ACCURATE);
    expect(samples.x[0]).toEqual(headInput(ordered[0].plain.features, ordered[0].plain.age, cfg.useAge, layout));
    const trained = await trainHead(tf, { train: samples, valid: samples }, { config: cfg, seed: 7 });
    const meta = buildModelMeta({ runId: 'acc', head: cfg, mirrorTta: true, bestEpoch: trained.bestEpoch, seed: 7, snapshot: { faces: 24, perSplit: {} }, backbone: ACCURATE });
    expect(meta.backboneKind).toBe(ACCURATE);
    expect(meta.preprocessing.dim).toBe(featureDim(ACCURATE) + 1);
    const head = { model: trained.model, meta, runId: 'acc' };
    const fromTraining = await classifyFeatures(tf, head, ordered);
    const byPhoto = new Map<string, number[]>();
    faces.forEach((f, i) => byPhoto.set(f.photo.sha256, [...(byPhoto.get(f.photo.sha256) ?? []), i]));
    let worst = 0;
    let compared = 0;
    let differsFromPlain = false;
    for (const [sha, idx] of byPhoto) {
      const served = await classifyEncoded(head, (await store.get(originalKey(sha)))!);
      expect(served.faces.length).toBe(idx.length);
      served.faces.forEach((f, j) => {
        meta.classes.forEach((c, k) => {
          worst = Math.max(worst, Math.abs(f.probs[c] - fromTraining[idx[j]][k]));
          if (Math.abs(f.probs[c] - 0.25) > 1e-3) differsFromPlain = true;
        });
        compared++;
      });
    }
    // The live preview's capture suggests with the same head through the accurate features.
    const suggested = await suggestFaces(t.db, faces.map((f) => f.id), { head, store });
    expect(suggested.size).toBe(24);
    faces.forEach((f, i) => expect(suggested.get(f.id)!.confidence).toBeCloseTo(Math.max(...fromTraining[i]), 5));
    trained.model.dispose();
    expect(compared).toBe(24);
    expect(differsFromPlain).toBe(true); // a head that learned something, not a constant
    expect(worst).toBeLessThan(1e-4);
  }, 600_000);
});
