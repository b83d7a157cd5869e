// The model labels with you: the suggest job (promoted head on cached features), suggestions in the
// label queue's orders, what each label event records, bulk accept and its one undo, the face API shape.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { makeFaces, makeUser } from '../helpers/faces';
import { testMeta } from '../helpers/models';
import { testTf } from '../helpers/tf';
import type { Actor } from '@/lib/auth/roles';
import { CLASSES } from '@/lib/classes';
import { FEATURE_DIM } from '@/lib/inference/backbone';
import { argmax, classifyFeatures } from '@/lib/inference/classify';
import { loadModel, saveModel } from '@/lib/models/registry';
import { promote } from '@/lib/training/promote';
import { queueSuggest, SUGGEST_JOB } from '@/lib/suggest/queue';
import { Worker } from '@/lib/queue/worker';
import { encodeVector, FEATURE_KEY, loadFeatures } from '@/lib/features/cache';
import { buildHead, DEFAULT_HEAD } from '@/lib/training/head';
import { runSuggestJob } from '@/lib/suggest/job';
import { assignLabels, labelFace, labelQueue, undoLastLabel } from '@/lib/dataset/labels';
import { facesMatching, listFaces } from '@/lib/dataset/gallery';
import { acceptSuggestions, faceJson, suggestionLines } from '@/lib/suggest/accept';
import { labelerPace } from '@/lib/dataset/balance';
import { analyseFaces, type IngestOptions } from '@/lib/dataset/ingest';
import { IMPORT_JOB, importJobHandler } from '@/lib/import/job';
import { queueZipImport } from '@/lib/import/progress';
import { LocalStore } from '@/lib/storage';
import { makeZip } from '../helpers/zip';

let t: TestDb;
let modelsDir: string;
let admin: Actor;
let ann: Actor;
let bob: Actor;
let vic: Actor;
let faces: string[];

/** A deterministic pseudo-random feature vector per face. */
function vector(seed: number) {
  let x = seed * 7919 + 13;
  const features = new Float32Array(FEATURE_DIM).map(() => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31 - 0.5;
  });
  return { features, age: 30, male: 0.5 };
}

async function writeFeatures(ids: string[], offset = 0) {
  await t.db.feature.createMany({
    data: ids.flatMap((faceId, i) => [
      { faceId, backbone: FEATURE_KEY, mirrored: false, vector: encodeVector(vector(offset + i)) },
      { faceId, backbone: FEATURE_KEY, mirrored: true, vector: encodeVector(vector(offset + i + 1000)) },
    ]),
  });
}

async function saveRun(runId: string, seed: number) {
  const tf = await testTf();
  const model = buildHead(tf, FEATURE_DIM, { ...DEFAULT_HEAD, hidden: 4, useAge: false }, seed);
  const dir = await saveModel(tf, modelsDir, runId, model, testMeta(runId, FEATURE_DIM));
  await t.db.run.create({ data: { id: runId, backbone: 'test-backbone', status: 'succeeded', modelDir: dir } });
}

const worker = () => new Worker(t.db, { handlers: { [SUGGEST_JOB]: runSuggestJob }, log: () => {} });

beforeAll(async () => {
  t = await freshDb();
  modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-suggest-'));
  admin = await makeUser(t.db, 'admin');
  ann = await makeUser(t.db, 'labeler');
  bob = await makeUser(t.db, 'labeler');
  vic = await makeUser(t.db, 'viewer');
  faces = await makeFaces(t.db, admin.id, 12);
  await writeFeatures(faces);
  await saveRun('runA', 1);
  await saveRun('runB', 2);
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(modelsDir, { recursive: true, force: true });
});

describe('the suggest job', () => {
  it('is queued by a promotion, once while one is waiting, and by imports only while a model is promoted', async () => {
    expect(await queueSuggest(t.db, { ifPromoted: true })).toBeNull(); // nothing promoted yet
    expect(await t.db.job.count({ where: { type: SUGGEST_JOB } })).toBe(0);
    await promote(t.db, 'runA');
    expect(await t.db.job.count({ where: { type: SUGGEST_JOB, status: 'queued' } })).toBe(1);
    const again = await queueSuggest(t.db, { ifPromoted: true });
    expect(await t.db.job.count({ where: { type: SUGGEST_JOB, status: 'queued' } })).toBe(1);
    expect(again).toBe((await t.db.job.findFirstOrThrow({ where: { type: SUGGEST_JOB } })).id);
  });

  it('stores the promoted head’s probabilities for every unlabelled face, the same as classifying the cached features', async () => {
    await labelFace(t.db, ann, faces[11], 'mask_old'); // labelled: gets no suggestion
    expect(await worker().runOnce()).toBe(true);
    const job = await t.db.job.findFirstOrThrow({ where: { type: SUGGEST_JOB } });
    expect(job.status).toBe('succeeded');
    expect(JSON.parse(job.result!)).toMatchObject({ runId: 'runA', faces: 11, suggested: 11, computed: 0, cached: 11 });
    const rows = await t.db.suggestion.findMany({ orderBy: { faceId: 'asc' } });
    expect(rows.map((r) => r.faceId).sort()).toEqual(faces.slice(0, 11).sort());
    const tf = await testTf();
    const { model, meta } = await loadModel(tf, path.join(modelsDir, 'runA'));
    const feats = await loadFeatures(t.db, rows.map((r) => r.faceId));
    const expected = await classifyFeatures(tf, { model, meta }, rows.map((r) => feats.get(r.faceId)!));
    rows.forEach((r, i) => {
      const probs = JSON.parse(r.probs) as number[];
      expect(r.runId).toBe('runA');
      expect(probs).toHaveLength(CLASSES.length);
      probs.forEach((p, c) => expect(p).toBeCloseTo(expected[i][c], 5));
      expect(r.label).toBe(CLASSES[argmax(expected[i])]);
      expect(r.confidence).toBeCloseTo(Math.max(...expected[i]), 5);
    });
  });

  it('another promotion replaces every suggestion with the new model’s', async () => {
    await promote(t.db, 'runB');
    await worker().runOnce();
    const runs = await t.db.suggestion.groupBy({ by: ['runId'], _count: { _all: true } });
    expect(runs).toEqual([{ runId: 'runB', _count: { _all: 11 } }]);
  });
});

describe('labelling with suggestions', () => {
  it('the queue shows the least confident first, can keep to one suggested class, and offers import order', async () => {
    const conf = new Map((await t.db.suggestion.findMany()).map((s) => [s.faceId, s]));
    const uncertain = await labelQueue(t.db, { order: 'uncertain', limit: 100 });
    expect(uncertain.map((f) => f.id)).toHaveLength(11);
    const c = uncertain.map((f) => f.suggestion!.confidence);
    expect(c).toEqual([...c].sort((a, b) => a - b));
    expect(uncertain[0].suggestion).toEqual({ class: conf.get(uncertain[0].id)!.label, confidence: conf.get(uncertain[0].id)!.confidence, runId: 'runB' });
    // Paging by cursor continues in the same order, also after the cursor face got labelled.
    const first = await labelQueue(t.db, { order: 'uncertain', limit: 4 });
    await labelFace(t.db, bob, first[3].id, 'excluded');
    const next = await labelQueue(t.db, { order: 'uncertain', limit: 4, after: first[3].id });
    expect(next.map((f) => f.id)).toEqual(uncertain.slice(4, 8).map((f) => f.id));
    await undoLastLabel(t.db, bob);

    const cls = conf.get(uncertain[0].id)!.label as (typeof CLASSES)[number];
    const ofClass = await labelQueue(t.db, { order: 'suggested', suggested: cls, limit: 100 });
    const want = [...conf.values()].filter((s) => s.label === cls && s.faceId !== faces[11]);
    expect(ofClass.map((f) => f.id).sort()).toEqual(want.map((s) => s.faceId).sort());
    const oc = ofClass.map((f) => f.suggestion!.confidence);
    expect(oc).toEqual([...oc].sort((a, b) => b - a));

    const imported = await labelQueue(t.db, { order: 'imported', limit: 100 });
    expect(imported.map((f) => f.id)).toEqual(faces.slice(0, 11));
  });

  it('a label event records the suggestion and whether it was accepted; labelled faces lose their suggestion in the queue and filters', async () => {
    const [a, b] = faces;
    const sa = await t.db.suggestion.findUniqueOrThrow({ where: { faceId: a } });
    const sb = await t.db.suggestion.findUniqueOrThrow({ where: { faceId: b } });
    await labelFace(t.db, ann, a, sa.label as (typeof CLASSES)[number]);
    const other = CLASSES.find((c) => c !== sb.label)!;
    await labelFace(t.db, ann, b, other);
    const ev = async (faceId: string) => t.db.labelEvent.findFirstOrThrow({ where: { faceId }, orderBy: { createdAt: 'desc' } });
    expect(await ev(a)).toMatchObject({ suggested: sa.label, accepted: true });
    expect(await ev(b)).toMatchObject({ suggested: sb.label, accepted: false });
    // A relabel of a labelled face was not a suggestion shown to anyone.
    await labelFace(t.db, ann, a, other === sa.label ? 'excluded' : other);
    expect(await ev(a)).toMatchObject({ suggested: null, accepted: null });
    expect((await faceJson(t.db, vic, a))!.suggestion).toBeNull();
    const matching = await facesMatching(t.db, { suggested: sb.label as (typeof CLASSES)[number] });
    expect(matching).not.toContain(b);
    await undoLastLabel(t.db, ann);
    await undoLastLabel(t.db, ann);
    await undoLastLabel(t.db, ann);
    expect((await faceJson(t.db, vic, a))!.suggestion).toMatchObject({ class: sa.label, runId: 'runB' }); // back with the face
  });

  it('GET /api/faces/<id> shape: label, split, suggestion, photo, box; a blind second opinion hides the label', async () => {
    const s = await t.db.suggestion.findUniqueOrThrow({ where: { faceId: faces[2] } });
    const j = await faceJson(t.db, vic, faces[2]);
    const f = await t.db.face.findUniqueOrThrow({ where: { id: faces[2] } });
    expect(j).toEqual({
      id: faces[2],
      photoId: f.photoId,
      index: 2,
      box: { x: f.x, y: f.y, w: f.w, h: f.h },
      wholeImage: false,
      label: null,
      split: null,
      suggestion: { class: s.label, confidence: s.confidence, runId: 'runB' },
    });
    expect(await faceJson(t.db, vic, 'nope')).toBeNull();
    await t.db.review.create({ data: { faceId: faces[11], requestedById: admin.id, firstLabel: 'mask_old', firstUserId: ann.id, reviewerId: bob.id, status: 'pending' } });
    expect((await faceJson(t.db, bob, faces[11]))!.label).toBeNull();
    expect((await faceJson(t.db, ann, faces[11]))!.label).toBe('mask_old');
  });
});

describe('bulk accept', () => {
  it('filters by suggested class and confidence range', async () => {
    const all = await t.db.suggestion.findMany({ where: { face: { label: null } } });
    const sorted = all.map((s) => s.confidence).sort((a, b) => a - b);
    const mid = sorted[Math.floor(sorted.length / 2)] * 100;
    const low = await listFaces(t.db, { label: 'unlabelled', confMax: mid, pageSize: 200 });
    expect(low.faces.every((f) => f.suggestion!.confidence * 100 <= mid + 1e-9)).toBe(true);
    expect(low.total).toBe(all.filter((s) => s.confidence * 100 <= mid).length);
    const high = await facesMatching(t.db, { confMin: mid });
    expect(high.length).toBe(all.filter((s) => s.confidence * 100 >= mid).length);
    await expect(facesMatching(t.db, { label: 'unlabelled' }, { cap: 3 })).rejects.toThrow(/matches \d+ faces; at most 3/);
  });

  it('accepts the suggestions of a selection as one action, and one undo reverts it without clobbering later changes', async () => {
    const ids = await facesMatching(t.db, { label: 'unlabelled' });
    const before = new Map((await t.db.suggestion.findMany({ where: { faceId: { in: ids } } })).map((s) => [s.faceId, s.label]));
    const dry = await acceptSuggestions(t.db, ann, ids, { dryRun: true });
    expect(dry).toMatchObject({ faces: ids.length, accepted: 0, batchId: null });
    expect(await t.db.face.count({ where: { id: { in: ids }, label: null } })).toBe(ids.length);

    const done = await acceptSuggestions(t.db, ann, ids);
    expect(done.accepted).toBe(ids.length);
    for (const f of await t.db.face.findMany({ where: { id: { in: ids } } })) expect(f.label).toBe(before.get(f.id));
    const events = await t.db.labelEvent.findMany({ where: { batchId: done.batchId } });
    expect(events).toHaveLength(ids.length);
    expect(events.every((e) => e.accepted === true && e.suggested === e.newLabel && e.userId === ann.id)).toBe(true);

    // Bob changes one of them meanwhile: the undo leaves his label alone.
    await labelFace(t.db, bob, ids[0], 'excluded');
    const undone = await undoLastLabel(t.db, ann);
    expect(undone?.batch).toEqual({ id: done.batchId, faces: ids.length - 1 });
    const after = await t.db.face.findMany({ where: { id: { in: ids } } });
    expect(after.filter((f) => f.label === null)).toHaveLength(ids.length - 1);
    expect(after.find((f) => f.id === ids[0])!.label).toBe('excluded');
    // The next undo walks further back, not into the undone batch again.
    const batchAgain = await undoLastLabel(t.db, ann);
    expect(batchAgain?.batch).toBeUndefined();
  });

  it('a grid selection labelled with one key is one batch too', async () => {
    const ids = (await facesMatching(t.db, { label: 'unlabelled' })).slice(0, 3);
    const res = await assignLabels(t.db, bob, ids, 'nomask_young');
    expect(res.batchId).toBeTruthy();
    const undone = await undoLastLabel(t.db, bob);
    expect(undone?.batch?.faces).toBe(3);
    expect(await t.db.face.count({ where: { id: { in: ids }, label: null } })).toBe(3);
  });

  it('viewers cannot accept', async () => {
    await expect(acceptSuggestions(t.db, vic, [faces[0]])).rejects.toThrow();
  });
});

describe('dashboard: pace and suggestions accepted per labeller', () => {
  it('labels per hour over the hours with label events in the last 7 days, and the share of suggestions taken', async () => {
    const cat = await makeUser(t.db, 'labeler');
    const now = new Date('2026-11-30T12:30:00Z');
    const at = (iso: string) => new Date(iso);
    const ev = (createdAt: Date, extra: { suggested?: string; accepted?: boolean; kind?: string } = {}) => ({
      faceId: faces[0],
      userId: cat.id,
      oldLabel: null,
      newLabel: 'mask_old',
      kind: 'label',
      createdAt,
      ...extra,
    });
    await t.db.labelEvent.createMany({
      data: [
        ev(at('2026-11-30T10:05:00Z'), { suggested: 'mask_old', accepted: true }),
        ev(at('2026-11-30T10:45:00Z'), { suggested: 'mask_young', accepted: false }),
        ev(at('2026-11-30T10:50:00Z'), { suggested: 'mask_old', accepted: true }),
        ev(at('2026-11-29T08:00:00Z')),
        ev(at('2026-11-29T08:10:00Z'), { kind: 'undo' }), // not a label
        ev(at('2026-11-20T08:00:00Z'), { suggested: 'mask_old', accepted: true }), // before the window, still a suggestion taken
      ],
    });
    const pace = (await labelerPace(t.db, 7, now)).get(cat.id)!;
    expect(pace).toMatchObject({ labels: 4, activeHours: 2, perHour: 2, suggested: 4, accepted: 3, acceptRate: 0.75 });
  });
});

describe('CLI suggest --json lines', () => {
  it('one line per unlabelled face with a suggestion: the photo’s file name as imported, class, confidence, probabilities', async () => {
    await t.db.photo.updateMany({ data: { originalName: 'team/day1/group.jpg' } });
    const lines = [];
    for await (const l of suggestionLines(t.db, 'runB')) lines.push(l);
    const unlabelled = await t.db.face.count({ where: { label: null, suggestion: { isNot: null } } });
    expect(lines).toHaveLength(unlabelled);
    for (const l of lines) {
      expect(l.file).toBe('team/day1/group.jpg');
      expect(Object.keys(l.probs)).toEqual([...CLASSES]);
      expect(l.probs[l.suggested]).toBeCloseTo(l.confidence, 5);
    }
  });
});

describe('large bulk actions', () => {
  it('accepts and undoes a selection of 1,200 faces (more than SQLite’s 999 bound values a statement)', async () => {
    const big = await freshDb();
    try {
      const u = await makeUser(big.db, 'labeler');
      const ids = [...(await makeFaces(big.db, u.id, 600)), ...(await makeFaces(big.db, u.id, 600))];
      await big.db.suggestion.createMany({ data: ids.map((faceId, i) => ({ faceId, runId: 'r', label: CLASSES[i % 4], confidence: 0.5, probs: '[0.5,0.2,0.2,0.1]' })) });
      const res = await acceptSuggestions(big.db, u, ids);
      expect(res.accepted).toBe(1200);
      expect(await big.db.face.count({ where: { label: null } })).toBe(0);
      expect((await undoLastLabel(big.db, u))?.batch?.faces).toBe(1200);
      expect(await big.db.face.count({ where: { label: null } })).toBe(1200);
    } finally {
      await big.cleanup();
    }
  });
});

describe('imports queue suggestions while a model is promoted', () => {
  it('one suggest job per import batch, none while nothing is promoted, one waiting at most', async () => {
    const db2 = await freshDb();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-suggest-import-'));
    try {
      const u = await makeUser(db2.db, 'labeler');
      const store = new LocalStore(path.join(tmp, 'store'));
      const opts: IngestOptions = { store, limits: { maxUploadBytes: 25 << 20, maxPixels: 50_000_000 }, duplicateFaceDistance: 10, analyse: analyseFaces };
      const fix = path.join(__dirname, '..', 'fixtures', 'facemask', 'mask_old');
      const photos = fs.readdirSync(fix).filter((f) => f.endsWith('.jpg')).sort();
      const importZip = async (names: string[]) => {
        const file = path.join(tmp, `${names[0]}.zip`);
        fs.writeFileSync(file, makeZip(names.map((n) => ({ name: `batch/${n}`, data: fs.readFileSync(path.join(fix, n)) }))));
        await queueZipImport(db2.db, { file, name: 'batch.zip', label: null, uploaderId: u.id });
        const w = new Worker(db2.db, { handlers: { [IMPORT_JOB]: importJobHandler({ ingest: () => opts }) }, log: () => {} });
        expect(await w.runOnce()).toBe(true);
      };
      const suggestJobs = () => db2.db.job.count({ where: { type: SUGGEST_JOB } });
      await importZip(photos.slice(0, 2));
      expect(await suggestJobs()).toBe(0); // no model yet
      await db2.db.run.create({ data: { id: 'r1', backbone: 'b', status: 'succeeded', modelDir: '/nowhere', promoted: true, promotedAt: new Date() } });
      await importZip(photos.slice(2, 4));
      expect(await suggestJobs()).toBe(1); // two photos, one job
      await importZip(photos.slice(4, 5));
      expect(await suggestJobs()).toBe(1); // one is already waiting
    } finally {
      await db2.cleanup();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
