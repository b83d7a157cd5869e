// Training and inference see the same features: the vectors the retrain job caches for a face (from
// the stored original photo and the face's stored box) give the same head probabilities as
// `classifyEncoded` (the `POST /api/predict` / `cli predict` path) on the same photo. Real ingest, real
// detector, real faceres, a temp file store. The "head" is the identity on the head input (one output
// per input value), so what the predict path reports is exactly the features it computed (L2-normalised,
// plus age / 100), plain or averaged with the mirrored crop.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { CLASSES } from '@/lib/classes';
import { analyseFaces, type IngestOptions } from '@/lib/dataset/ingest';
import { importPath } from '@/lib/import/folder';
import { BACKBONE_ID, FEATURE_DIM } from '@/lib/inference/backbone';
import { headInput, type LoadedHead } from '@/lib/inference/classify';
import type { ModelMeta } from '@/lib/inference/meta';
import type { FeaturePair } from '@/lib/inference/types';
import { classifyEncoded } from '@/lib/models/serve';
import { getTf } from '@/lib/models/tf';
import { decodeOriginal, describeImageBoxes, ensureFeatures, FEATURE_KEY, loadFeatures } from '@/lib/features/cache';
import { faceKey, LocalStore, originalKey } from '@/lib/storage';

const FIX = path.resolve(__dirname, '../fixtures/facemask');
let t: TestDb;
let tmp: string;
let store: LocalStore;
const DIM = FEATURE_DIM + 1;
const OUTPUTS = Array.from({ length: DIM }, (_, i) => `v${i}`);
let identity: LoadedHead['model'];
/** The identity head, reading features with or without the mirrored crop averaged in. */
const headOf = (mirrorTta: boolean) => {
  const meta = { classes: OUTPUTS, backbone: BACKBONE_ID, preprocessing: { input: '', l2: true, useAge: true, mirrorTta, dim: DIM } };
  return { model: identity, meta: meta as unknown as ModelMeta, runId: 'identity' };
};

type StoredFace = { id: string; index: number; x: number; y: number; w: number; h: number; wholeImage: boolean; photo: { sha256: string } };
let faces: StoredFace[];
let pairs: Map<string, FeaturePair>;

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-features-'));
  store = new LocalStore(path.join(tmp, 'store'));
  const opts: IngestOptions = { store, limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 }, duplicateFaceDistance: 10, analyse: analyseFaces };
  const admin = await t.db.user.create({ data: { email: 'a@x.test', passwordHash: 'x', role: 'admin' } });
  for (const dir of [...CLASSES, 'scenes']) {
    const r = await importPath(t.db, opts, path.join(FIX, dir), { uploaderId: admin.id, source: 'import' });
    expect(r.rejected).toEqual([]);
  }
  faces = await t.db.face.findMany({
    select: { id: true, index: true, x: true, y: true, w: true, h: true, wholeImage: true, photo: { select: { sha256: true } } },
    orderBy: [{ photoId: 'asc' }, { index: 'asc' }],
  });
  expect(faces.length).toBe(40); // 32 single-face images + 8 faces in the 3 scene photos

  const r = await ensureFeatures(t.db, faces.map((f) => f.id), { store, batch: 7 });
  expect(r).toEqual({ computed: 40, cached: 0 });
  pairs = await loadFeatures(t.db, faces.map((f) => f.id));

  const tf = await getTf();
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [DIM], units: DIM, useBias: false })] });
  const eye = tf.eye(DIM);
  model.layers[0].setWeights([eye]);
  eye.dispose();
  identity = model;
}, 300_000);

afterAll(async () => {
  identity?.dispose();
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('training features', () => {
  it('are cached under the photo-crop feature key, plain and mirrored, and reused', async () => {
    expect(await t.db.feature.count({ where: { backbone: FEATURE_KEY } })).toBe(80);
    expect(await t.db.feature.count({ where: { backbone: { not: FEATURE_KEY } } })).toBe(0);
    expect(await ensureFeatures(t.db, faces.map((f) => f.id), { store })).toEqual({ computed: 0, cached: 40 });
  });

  it('equal the features the predict path computes on the same photo (boxes and order match)', async () => {
    const byPhoto = new Map<string, StoredFace[]>();
    for (const f of faces) byPhoto.set(f.photo.sha256, [...(byPhoto.get(f.photo.sha256) ?? []), f]);
    let worst = 0;
    let compared = 0;
    for (const [sha, stored] of byPhoto) {
      const original = (await store.get(originalKey(sha)))!;
      for (const mirrorTta of [false, true]) {
        const served = await classifyEncoded(headOf(mirrorTta), original);
        // The stored boxes are the boxes inference plans (whole-image samples included).
        expect(served.faces.map((f) => ({ ...f.box, wholeImage: f.wholeImage }))).toEqual(
          stored.map((f) => ({ x: f.x, y: f.y, w: f.w, h: f.h, wholeImage: f.wholeImage })),
        );
        served.faces.forEach((f, i) => {
          const p = pairs.get(stored[i].id)!;
          const plain = headInput(p.plain.features, p.plain.age, true);
          const mirrored = headInput(p.mirrored!.features, p.mirrored!.age, true);
          OUTPUTS.forEach((o, k) => {
            const trained = mirrorTta ? (plain[k] + mirrored[k]) / 2 : plain[k];
            worst = Math.max(worst, Math.abs(f.probs[o] - trained));
          });
          compared++;
        });
      }
    }
    expect(compared).toBe(80);
    expect(worst).toBeLessThan(1e-5);
  });

  it('differ measurably from features of the stored crop JPEG (the skew the check above catches)', async () => {
    const sample = faces.slice(0, 8);
    const crops = await Promise.all(sample.map(async (f) => (await store.get(faceKey(f.photo.sha256, f.index)))!));
    const fromJpeg = await Promise.all(
      crops.map(async (c) => {
        const image = await decodeOriginal(c);
        return (await describeImageBoxes(image, [{ x: 0, y: 0, w: image.width, h: image.height }]))[0];
      }),
    );
    let worst = 0;
    sample.forEach((f, i) => {
      const a = headInput(fromJpeg[i].plain.features, fromJpeg[i].plain.age, true);
      const b = headInput(pairs.get(f.id)!.plain.features, pairs.get(f.id)!.plain.age, true);
      a.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - b[k]))));
    });
    expect(worst).toBeGreaterThan(1e-3);
  });

  it('the predict path refuses what uploads refuse, before decoding, with the reason', async () => {
    const sharp = (await import('sharp')).default;
    const head = headOf(false);
    const huge = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#888' } }).png().toBuffer();
    await expect(classifyEncoded(head, huge, { maxPixels: 1_000_000 })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/^Cannot decode image: image is 3000×2000 .*over the 1\.0 megapixels limit/),
    });
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).gif().toBuffer();
    await expect(classifyEncoded(head, gif)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/GIF is not supported/) });
    await expect(classifyEncoded(head, huge, { maxUploadBytes: 1000 })).rejects.toMatchObject({ status: 413 });
  });
});
