// The dataset map on cached vectors: every face gets a point in [0, 1]², faces of one class lie close
// together, a face unlike every labelled face is flagged as a possible outlier, and the page's reader
// shows current labels and model suggestions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSES, type ClassName } from '@/lib/classes';
import { assignLabels } from '@/lib/dataset/labels';
import { faceFilterQuery, listFaces, parseFaceFilter } from '@/lib/dataset/gallery';
import { Worker } from '@/lib/queue/worker';
import { MAP_KEY, queueMap, readDatasetMap } from '@/lib/dataset-map/db';
import { ensureFeatures, loadFeatures } from '@/lib/features/cache';
import { MAP_JOB, mapJobHandler, runMapJob } from '@/lib/dataset-map/job';
import type { Actor } from '@/lib/auth/roles';
import { makeFaces, makeUser } from '../helpers/faces';
import { freshDb, type TestDb } from '../helpers/db';
import { seedVectors } from '../helpers/vectors';

let t: TestDb;
let admin: Actor;
let ids: string[];
let truth: (ClassName | 'far')[];

beforeAll(async () => {
  t = await freshDb();
  admin = await makeUser(t.db, 'admin');
  ids = [...(await makeFaces(t.db, admin.id, 30)), ...(await makeFaces(t.db, admin.id, 31))];
  truth = ids.map((_, i) => (i === 60 ? 'far' : CLASSES[i % 4]));
  // 40 labelled, 20 unlabelled, the odd one unlabelled.
  for (const c of CLASSES) await assignLabels(t.db, admin, ids.filter((_, i) => i < 40 && truth[i] === c), c);
  await seedVectors(t.db, ids, truth);
}, 120_000);
afterAll(() => t.cleanup());

describe('dataset map', () => {
  it('maps every face, keeps classes together and flags the face unlike any labelled one', async () => {
    const { job } = await queueMap(t.db, admin.id);
    expect((await queueMap(t.db, admin.id)).alreadyQueued).toBe(true);
    await new Worker(t.db, { handlers: { [MAP_JOB]: runMapJob }, log: () => {} }).runOnce();
    const done = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(done.error).toBeNull();
    expect(JSON.parse(done.result!)).toEqual({ faces: 61, shown: 61, outliers: 1 });
    expect(await t.db.datasetMap.count({ where: { key: MAP_KEY } })).toBe(1);

    await t.db.suggestion.create({ data: { faceId: ids[45], runId: 'r', label: CLASSES[45 % 4], confidence: 0.9, probs: '[]' } });
    const view = (await readDatasetMap(t.db, admin))!;
    expect(view.faces.length).toBe(61);
    for (const f of view.faces) {
      expect(f.x).toBeGreaterThanOrEqual(0);
      expect(f.x).toBeLessThanOrEqual(1);
      expect(f.y).toBeGreaterThanOrEqual(0);
      expect(f.y).toBeLessThanOrEqual(1);
    }
    expect(view.faces.filter((f) => f.outlier).map((f) => f.id)).toEqual([ids[60]]);
    const byId = new Map(view.faces.map((f) => [f.id, f]));
    expect(byId.get(ids[0])!.label).toBe(CLASSES[0]);
    expect(byId.get(ids[45])!.label).toBeNull();
    expect(byId.get(ids[45])!.suggestion).toBe(CLASSES[1]);
    // Each face's nearest other face on the map is (nearly always) one of its own class.
    const real = view.faces.filter((f) => f.id !== ids[60]);
    const cls = (id: string) => truth[ids.indexOf(id)];
    const sameClass = real.filter((f) => {
      let best = real[0] === f ? real[1] : real[0];
      for (const g of real) if (g !== f && (g.x - f.x) ** 2 + (g.y - f.y) ** 2 < (best.x - f.x) ** 2 + (best.y - f.y) ** 2) best = g;
      return cls(best.id) === cls(f.id);
    }).length;
    expect(sameClass / real.length).toBeGreaterThan(0.9);
  }, 300_000);

  it('above its limit maps a seeded sample, scores every face and puts every outlier on the map', async () => {
    await t.db.datasetMap.deleteMany({});
    const { job } = await queueMap(t.db, admin.id);
    await new Worker(t.db, { handlers: { [MAP_JOB]: mapJobHandler({ maxPoints: 30, maxReference: 12 }) }, log: () => {} }).runOnce();
    const done = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(done.error).toBeNull();
    const r = JSON.parse(done.result!) as { faces: number; shown: number; outliers: number };
    expect(r.faces).toBe(61);
    // 30 sampled, plus the far face if the sample missed it: flagged wherever it is.
    expect(r.shown === 30 || r.shown === 31).toBe(true);
    expect(r.outliers).toBe(1);
    const view = (await readDatasetMap(t.db, admin))!;
    expect([view.faces.length, view.mapped, view.sampled, view.facesNow]).toEqual([r.shown, 61, true, 61]);
    expect(view.faces.filter((f) => f.outlier).map((f) => f.id)).toEqual([ids[60]]);
    for (const f of view.faces) expect(Math.min(f.x, f.y) >= 0 && Math.max(f.x, f.y) <= 1).toBe(true);
    // Seeded: the same sample again.
    const again = await t.db.job.create({ data: { type: MAP_JOB } });
    await new Worker(t.db, { handlers: { [MAP_JOB]: mapJobHandler({ maxPoints: 30, maxReference: 12 }) }, log: () => {} }).runOnce();
    expect((await t.db.job.findUniqueOrThrow({ where: { id: again.id } })).status).toBe('succeeded');
    expect((await readDatasetMap(t.db, admin))!.faces.map((f) => f.id).sort()).toEqual(view.faces.map((f) => f.id).sort());
  }, 300_000);

  it('a box selection opens exactly its faces in the gallery and the grid (the ids filter)', async () => {
    const chosen = [ids[3], ids[50], ids[60]];
    const f = parseFaceFilter({ ids: chosen.join(',') });
    expect(faceFilterQuery(f)).toBe(`ids=${encodeURIComponent(chosen.join(','))}`);
    const { faces, total } = await listFaces(t.db, f);
    expect(total).toBe(3);
    expect(faces.map((x) => x.id).sort()).toEqual([...chosen].sort());
    // With a label filter too (the grid's default is "unlabelled": ids[50] and ids[60] are).
    expect((await listFaces(t.db, parseFaceFilter({ ids: chosen.join(','), label: 'unlabelled' }))).total).toBe(2);
    expect(parseFaceFilter({ ids: "x'); DROP TABLE" }).ids).toBe('');
  });
});

describe('cached features of many faces', () => {
  it('checks and loads the vectors of more than 999 faces (SQLite allows 999 bound values a query)', async () => {
    const many: string[] = [];
    for (let p = 0; p < 11; p++) many.push(...(await makeFaces(t.db, admin.id, 100)));
    await seedVectors(t.db, many, many.map((_, i) => CLASSES[i % 4]));
    expect(await ensureFeatures(t.db, many)).toEqual({ computed: 0, cached: 1100 });
    expect((await loadFeatures(t.db, many)).size).toBe(1100);
  }, 120_000);
});
