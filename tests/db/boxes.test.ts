// Face boxes by hand (lib/dataset/boxes.ts) against a real database and file store: a box added,
// moved and deleted re-cuts the crop from the original with the crop rule, moves the file (old one
// removed), forgets cached features / suggestions / label errors, records the history, keeps
// near-duplicate groups and splits consistent, and bad boxes change nothing.
// Photos are ingested with the crops of given boxes instead of the detector (no TensorFlow here).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { makeUser } from '../helpers/faces';
import type { Actor } from '@/lib/auth/roles';
import { type Analyser, type IngestOptions, ingestPhoto } from '@/lib/dataset/ingest';
import { addFace, type BoxOptions, deleteFace, type FaceBox, moveFace } from '@/lib/dataset/boxes';
import { assignLabels } from '@/lib/dataset/labels';
import { checkStorage } from '@/lib/housekeeping/storage-check';
import { cropBoxOf, sampleOfBox } from '@/lib/faces/box';
import { perceptualHash } from '@/lib/faces/crop';
import { hamming } from '@/lib/dataset/group';
import { faceKey, LocalStore } from '@/lib/storage';
import { UserError } from '@/lib/errors';

const SCENES = path.join(__dirname, '..', 'fixtures', 'facemask', 'scenes');
const SCENE = fs.readFileSync(path.join(SCENES, 'cdeb_pic1.jpg')); // 640x418
const OTHER_SCENE = fs.readFileSync(path.join(SCENES, 'cdeb_pic2.jpg')); // 640x335, only in the group tests

let t: TestDb;
let tmp: string;
let store: LocalStore;
let opts: BoxOptions;
let ann: Actor;
let viewer: Actor;

/** The "detector" finds exactly these face boxes. */
const analyser =
  (boxes: FaceBox[]): Analyser =>
  async (rgb) => ({ width: rgb.width, height: rgb.height, samples: await Promise.all(boxes.map((b) => sampleOfBox(rgb, b))) });

async function ingest(bytes: Buffer, name: string, boxes: FaceBox[]): Promise<string> {
  const o: IngestOptions = { ...opts, analyse: analyser(boxes) };
  const r = await ingestPhoto(t.db, o, { bytes, name, source: 'upload', uploaderId: ann.id });
  if (r.status !== 'added') throw new Error(`ingest: ${JSON.stringify(r)}`);
  return r.photoId;
}

const facesOf = (photoId: string) => t.db.face.findMany({ where: { photoId }, orderBy: { index: 'asc' } });

async function storeKeys(): Promise<string[]> {
  const out: string[] = [];
  for await (const k of store.list('')) out.push(k);
  return out.sort();
}

async function expectConsistent() {
  const r = await checkStorage(t.db, store);
  expect(r.missing).toEqual([]);
  expect(r.orphans).toEqual([]);
}

/** Everything a refused box must leave as it was. */
async function snapshot() {
  return {
    faces: await t.db.face.findMany({ orderBy: { id: 'asc' } }),
    photos: await t.db.photo.findMany({ orderBy: { id: 'asc' }, select: { id: true, nextFaceIndex: true } }),
    events: await t.db.faceEvent.count(),
    labelEvents: await t.db.labelEvent.count(),
    features: await t.db.feature.count(),
    keys: await storeKeys(),
  };
}

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-boxes-'));
  store = new LocalStore(path.join(tmp, 'store'));
  opts = { store, limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 }, duplicateFaceDistance: 10 };
  ann = await makeUser(t.db, 'labeler');
  viewer = await makeUser(t.db, 'viewer');
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('adding a face the detector missed', () => {
  it('cuts the crop with the crop rule from the original, stores it under the next crop number and records who added it', async () => {
    const photoId = await ingest(SCENE, 'add.jpg', [{ x: 60, y: 80, w: 70, h: 70 }]);
    const box = { x: 420, y: 150, w: 60, h: 80 };
    const r = await addFace(t.db, opts, ann, photoId, box);

    const faces = await facesOf(photoId);
    expect(faces.map((f) => f.index)).toEqual([0, 1]);
    const face = faces[1];
    expect(r).toMatchObject({ id: face.id, index: 1, image: `/api/faces/${face.id}/image?v=1` });
    // the crop rule: square, the face's longer side plus the margin, centred on the face
    expect({ x: face.x, y: face.y, w: face.w, h: face.h }).toEqual(cropBoxOf(box, 640, 418));
    expect(face.w).toBe(112);
    expect(face).toMatchObject({ label: null, score: null, wholeImage: false, split: null });
    const sha = (await t.db.photo.findUniqueOrThrow({ where: { id: photoId } })).sha256;
    const crop = (await store.get(faceKey(sha, 1)))!;
    expect(await sharp(crop).metadata()).toMatchObject({ format: 'jpeg', width: 112, height: 112 });
    expect(hamming(await perceptualHash(crop), face.phash)).toBeLessThanOrEqual(4);
    expect((await t.db.photo.findUniqueOrThrow({ where: { id: photoId } })).nextFaceIndex).toBe(2);

    const events = await t.db.faceEvent.findMany({ where: { faceId: face.id } });
    expect(events).toMatchObject([{ kind: 'box-added', userId: ann.id, photoId, oldBox: null }]);
    expect(JSON.parse(events[0].newBox!)).toEqual(cropBoxOf(box, 640, 418));
    // its features (apparent gender/age, vectors) get computed by the worker
    expect(await t.db.job.count({ where: { type: 'features', status: 'queued' } })).toBe(1);
    await expectConsistent();
  });
});

describe('moving a box', () => {
  it('re-cuts the crop under a new number, removes the old file, forgets features/suggestion/label error and keeps the label', async () => {
    const photoId = await ingest(await sharp(SCENE).jpeg({ quality: 70 }).toBuffer(), 'move.jpg', [{ x: 60, y: 80, w: 70, h: 70 }, { x: 300, y: 100, w: 60, h: 60 }]);
    const sha = (await t.db.photo.findUniqueOrThrow({ where: { id: photoId } })).sha256;
    const [f0] = await facesOf(photoId);
    await assignLabels(t.db, ann, [f0.id], 'mask_old');
    await t.db.face.update({ where: { id: f0.id }, data: { apparentMale: 0.3, apparentAge: 40 } });
    await t.db.feature.create({ data: { faceId: f0.id, backbone: 'faceres', mirrored: false, vector: Buffer.alloc(8) } });
    await t.db.suggestion.create({ data: { faceId: f0.id, runId: 'r1', label: 'mask_old', confidence: 0.9, probs: '[0.9,0,0,0.1]' } });
    await t.db.labelError.create({ data: { faceId: f0.id, label: 'mask_old', suggested: 'nomask_old', score: 2, probs: '[0,0,1,0]' } });
    const oldCrop = (await store.get(faceKey(sha, 0)))!;

    const box = { x: 500, y: 200, w: 90, h: 90 };
    const r = await moveFace(t.db, opts, ann, f0.id, box);

    const face = await t.db.face.findUniqueOrThrow({ where: { id: f0.id } });
    expect(face.index).toBe(2); // the photo's next crop number, so the new crop is a new file
    expect(r).toMatchObject({ id: f0.id, index: 2, image: `/api/faces/${f0.id}/image?v=2` });
    expect({ x: face.x, y: face.y, w: face.w, h: face.h }).toEqual(cropBoxOf(box, 640, 418));
    expect(face).toMatchObject({ label: 'mask_old', labelledById: ann.id, apparentMale: null, apparentAge: null, score: null });
    expect(face.phash).not.toBe(f0.phash);
    expect(await store.get(faceKey(sha, 0))).toBeNull();
    const newCrop = (await store.get(faceKey(sha, 2)))!;
    expect(newCrop.equals(oldCrop)).toBe(false);
    expect(hamming(await perceptualHash(newCrop), face.phash)).toBeLessThanOrEqual(4);
    expect(await t.db.feature.count({ where: { faceId: f0.id } })).toBe(0);
    expect(await t.db.suggestion.count({ where: { faceId: f0.id } })).toBe(0);
    expect(await t.db.labelError.count({ where: { faceId: f0.id } })).toBe(0);

    const events = await t.db.faceEvent.findMany({ where: { faceId: f0.id } });
    expect(events).toMatchObject([{ kind: 'box-moved', userId: ann.id }]);
    expect(JSON.parse(events[0].oldBox!)).toEqual({ x: f0.x, y: f0.y, w: f0.w, h: f0.h });
    expect(JSON.parse(events[0].newBox!)).toEqual(cropBoxOf(box, 640, 418));
    // the label history is untouched
    expect(await t.db.labelEvent.findMany({ where: { faceId: f0.id }, select: { kind: true, newLabel: true } })).toEqual([{ kind: 'label', newLabel: 'mask_old' }]);
    await expectConsistent();
  });

  it('two moves of one face at once: one wins, the other is refused (409) and leaves no file behind', async () => {
    const photoId = await ingest(await sharp(SCENE).jpeg({ quality: 60 }).toBuffer(), 'race.jpg', [{ x: 60, y: 80, w: 70, h: 70 }]);
    const [f] = await facesOf(photoId);
    const results = await Promise.allSettled([
      moveFace(t.db, opts, ann, f.id, { x: 100, y: 100, w: 50, h: 50 }),
      moveFace(t.db, opts, ann, f.id, { x: 200, y: 100, w: 50, h: 50 }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 409, message: expect.stringMatching(/changed or deleted meanwhile/) });
    expect(await t.db.faceEvent.count({ where: { faceId: f.id } })).toBe(ok.length);
    await expectConsistent();
  });
});

describe('deleting a box', () => {
  it('removes the face, its crop and its features, keeps its label history and records the deletion', async () => {
    const photoId = await ingest(await sharp(SCENE).jpeg({ quality: 65 }).toBuffer(), 'delete.jpg', [{ x: 60, y: 80, w: 70, h: 70 }, { x: 300, y: 100, w: 60, h: 60 }]);
    const sha = (await t.db.photo.findUniqueOrThrow({ where: { id: photoId } })).sha256;
    const [f0, f1] = await facesOf(photoId);
    await assignLabels(t.db, ann, [f1.id], 'excluded');
    await t.db.feature.create({ data: { faceId: f1.id, backbone: 'faceres', mirrored: false, vector: Buffer.alloc(8) } });

    expect(await deleteFace(t.db, opts, ann, f1.id)).toEqual({ deleted: f1.id, photoId, label: 'excluded' });

    expect((await facesOf(photoId)).map((f) => f.id)).toEqual([f0.id]);
    expect(await store.get(faceKey(sha, 1))).toBeNull();
    expect(await store.get(faceKey(sha, 0))).not.toBeNull();
    expect(await t.db.feature.count({ where: { faceId: f1.id } })).toBe(0);
    expect(await t.db.labelEvent.findMany({ where: { faceId: f1.id }, orderBy: { createdAt: 'asc' }, select: { kind: true, oldLabel: true, newLabel: true, userId: true } })).toEqual([
      { kind: 'label', oldLabel: null, newLabel: 'excluded', userId: ann.id },
      { kind: 'deleted', oldLabel: 'excluded', newLabel: null, userId: ann.id },
    ]);
    expect(await t.db.faceEvent.findMany({ where: { faceId: f1.id }, select: { kind: true, userId: true, newBox: true } })).toEqual([{ kind: 'box-deleted', userId: ann.id, newBox: null }]);
    await expectConsistent();

    await expect(deleteFace(t.db, opts, ann, f1.id)).rejects.toMatchObject({ status: 404, message: 'No such face' });
  });
});

describe('near-duplicate groups and splits', () => {
  // Photo A and photo B are the same scene (B re-encoded), one no other test uses. A's face at FACE is pinned to train;
  // B's faces are elsewhere and pinned to test.
  const FACE = { x: 60, y: 80, w: 70, h: 70 };
  const ELSEWHERE = { x: 420, y: 150, w: 60, h: 80 };
  const OTHER = { x: 250, y: 60, w: 50, h: 50 };
  let aFace: string;
  let bFaces: string[];

  beforeAll(async () => {
    const a = await ingest(await sharp(OTHER_SCENE).jpeg({ quality: 92 }).toBuffer(), 'group-a.jpg', [FACE]);
    const b = await ingest(await sharp(OTHER_SCENE).jpeg({ quality: 85 }).toBuffer(), 'group-b.jpg', [OTHER, ELSEWHERE]);
    aFace = (await facesOf(a))[0].id;
    bFaces = (await facesOf(b)).map((f) => f.id);
    await assignLabels(t.db, ann, [aFace], 'mask_old');
    await assignLabels(t.db, ann, bFaces, 'nomask_old');
    await t.db.face.update({ where: { id: aFace }, data: { split: 'train' } });
    await t.db.face.updateMany({ where: { id: { in: bFaces } }, data: { split: 'test' } });
  });

  it('a box moved onto a near-duplicate joins its group and takes the group split; its photo mates keep theirs', async () => {
    const [, moving] = bFaces;
    expect((await t.db.face.findUniqueOrThrow({ where: { id: moving } })).groupId).toBeNull();

    const r = await moveFace(t.db, opts, ann, moving, FACE);

    const [a, b0, b1] = await Promise.all([aFace, ...bFaces].map((id) => t.db.face.findUniqueOrThrow({ where: { id } })));
    expect(hamming(a.phash, b1.phash)).toBeLessThanOrEqual(10);
    expect(a.groupId).toBe(aFace); // the lone match became a group
    expect(b1.groupId).toBe(aFace);
    expect(b1.split).toBe('train');
    expect(b0.split).toBe('test');
    expect(r).toMatchObject({ groupId: aFace, split: 'train' });
    const ev = await t.db.faceEvent.findFirstOrThrow({ where: { faceId: moving } });
    expect(ev.note).toMatch(/joined a near-duplicate group; split test → train/);
  });

  it('a box moved off its group leaves it and keeps its split', async () => {
    const moving = bFaces[1];
    const r = await moveFace(t.db, opts, ann, moving, ELSEWHERE);
    const f = await t.db.face.findUniqueOrThrow({ where: { id: moving } });
    expect(f).toMatchObject({ groupId: null, split: 'train' });
    expect(r.note).toBe('no longer a near-duplicate');
  });

  it('an unpinned face joins the group without a split (pinSplits places it with its group later)', async () => {
    const b0 = bFaces[0];
    await t.db.face.update({ where: { id: b0 }, data: { split: null } });
    await moveFace(t.db, opts, ann, b0, FACE);
    expect(await t.db.face.findUniqueOrThrow({ where: { id: b0 } })).toMatchObject({ groupId: aFace, split: null });
  });

  it('an added face that is a near-duplicate joins the group', async () => {
    const photoId = (await t.db.face.findUniqueOrThrow({ where: { id: bFaces[0] } })).photoId;
    const r = await addFace(t.db, opts, ann, photoId, { x: 61, y: 80, w: 70, h: 70 });
    expect(r.groupId).toBe(aFace);
    expect(r.split).toBeNull();
    await expectConsistent();
  });
});

describe('bad boxes are refused with a clear message and change nothing', () => {
  let photoId: string;
  let faceId: string;
  beforeAll(async () => {
    photoId = await ingest(await sharp(SCENE).jpeg({ quality: 75 }).toBuffer(), 'bad.jpg', [{ x: 60, y: 80, w: 70, h: 70 }]);
    faceId = (await facesOf(photoId))[0].id;
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['past the right edge', { x: 600, y: 10, w: 60, h: 60 }, /inside the photo: x \+ w is 660, past the photo's right edge \(640 px wide\)/],
    ['past the bottom edge', { x: 10, y: 400, w: 30, h: 30 }, /y \+ h is 430, past the photo's bottom edge \(418 px high\)/],
    ['too small', { x: 10, y: 10, w: 10, h: 40 }, /w must be at least 16 px/],
    ['negative', { x: -5, y: 10, w: 40, h: 40 }, /x must be 0 or more/],
    ['not a number', { x: 'left', y: 10, w: 40, h: 40 }, /x must be a number/],
    ['missing', { x: 10, y: 10, w: 40 }, /h/],
  ];
  for (const [what, box, message] of cases) {
    it(`${what}: adding and moving`, async () => {
      const before = await snapshot();
      await expect(addFace(t.db, opts, ann, photoId, box as FaceBox)).rejects.toThrow(message);
      await expect(moveFace(t.db, opts, ann, faceId, box as FaceBox)).rejects.toThrow(message);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('an unknown photo or face is 404, a viewer is 403, and nothing changes', async () => {
    const before = await snapshot();
    const box = { x: 10, y: 10, w: 40, h: 40 };
    await expect(addFace(t.db, opts, ann, 'no-such-photo', box)).rejects.toMatchObject({ status: 404, message: 'No such photo' });
    await expect(moveFace(t.db, opts, ann, 'no-such-face', box)).rejects.toMatchObject({ status: 404, message: 'No such face' });
    await expect(addFace(t.db, opts, viewer, photoId, box)).rejects.toMatchObject({ status: 403 });
    await expect(deleteFace(t.db, opts, viewer, faceId)).rejects.toMatchObject({ status: 403 });
    expect(await snapshot()).toEqual(before);
  });

  it('a crop that cannot be stored leaves no row and no file', async () => {
    const before = await snapshot();
    const failing = Object.create(store) as LocalStore;
    failing.put = async () => {
      throw new Error('disk full');
    };
    await expect(addFace(t.db, { ...opts, store: failing }, ann, photoId, { x: 10, y: 10, w: 40, h: 40 })).rejects.toThrow('disk full');
    const after = await snapshot();
    // the crop number was used up (never handed out twice), nothing else changed
    expect({ ...after, photos: before.photos }).toEqual(before);
    await expectConsistent();
  });

  it('errors are UserErrors the API shows as they are', async () => {
    const err = await addFace(t.db, opts, ann, photoId, { x: 600, y: 10, w: 60, h: 60 }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.status).toBe(400);
  });
});
