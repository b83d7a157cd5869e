// The dataset export in chunks (lib/export/job.ts, lib/export/parts.ts): a large export job splits its faces into
// export-chunk jobs that any idle worker writes as parts, then puts the archive together from them. The archive
// must be the one the export writes in one process, entry for entry and byte for byte; two workers share the
// chunks; a chunk that fails is retried; a cancel leaves nothing; the parts go when the job ends.
// Small numbers stand in for the real ones (`chunking`: chunks from 10 faces, about 4 of them). Photos are the face
// fixtures written straight to a file store (several faces each; the crops are bytes that name their face: the
// export copies them, it never decodes a crop). SQLite by default, PostgreSQL with TEST_DATABASE_URL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { makeFaces, makeUser } from '../helpers/faces';
import { finished, ranBy, sleep, until } from '../helpers/jobs';
import { readZipFile } from '../helpers/read-zip';
import { CLASSES } from '@/lib/classes';
import { parseCsv } from '@/lib/import/metadata';
import { cancel } from '@/lib/queue/jobs';
import { chunkFaces } from '@/lib/queue/chunks';
import { type JobHandler, Worker } from '@/lib/queue/worker';
import { faceKey, LocalStore, originalKey } from '@/lib/storage';
import { emptyRows, exportDataset, type FaceSink } from '@/lib/export/export';
import { cleanupExports, EXPORT_CHUNK_JOB, EXPORT_JOB, type ExportChunking, exportChunkSize, exportHandlers } from '@/lib/export/job';
import { copyPart, writePart } from '@/lib/export/parts';
import { type ExportOptionsInput, exportOptionsSchema, exportsDir, queueExport } from '@/lib/export/queue';

const FIX = path.resolve(__dirname, '../fixtures/facemask');
/** Faces per photo: 39 exported faces on 12 photos. */
const PHOTO_FACES = [3, 1, 4, 1, 5, 2, 6, 2, 3, 5, 4, 3];
const EXPORTED = PHOTO_FACES.reduce((a, b) => a + b, 0);
const CHUNKING: ExportChunking = { minFaces: 10, size: (n) => Math.ceil(n / 4) };
const SPLITS = ['train', 'valid', 'test'] as const;

let t: TestDb;
let tmp: string;
let store: LocalStore;
let modelsDir: string;
/** The exported faces in archive order (photo, then id). */
let order: { id: string; photoId: string }[];
/** The chunks of an export of every face. */
let allChunks: { ids: string[] }[];

/** A store that waits `delayMs` before each read, and lets a test stop or break the read of one key. */
class TestStore extends LocalStore {
  delayMs = 0;
  hook: ((key: string) => Promise<void>) | null = null;
  override async get(key: string): Promise<Buffer | null> {
    if (this.delayMs) await sleep(this.delayMs);
    await this.hook?.(key);
    return super.get(key);
  }
}
let slow: TestStore;

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-export-chunks-'));
  store = new LocalStore(path.join(tmp, 'store'));
  slow = new TestStore(path.join(tmp, 'store'));
  modelsDir = path.join(tmp, 'no-models');
  const admin = await makeUser(t.db, 'admin', 'admin@chunks.test');
  const fixtures = CLASSES.flatMap((c) => fs.readdirSync(path.join(FIX, c)).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(FIX, c, f)));
  let k = 0;
  for (const [p, n] of PHOTO_FACES.entries()) {
    const ids = await makeFaces(t.db, admin.id, n);
    const photo = await t.db.photo.findFirstOrThrow({ where: { faces: { some: { id: ids[0] } } } });
    // Names that the CSV must quote: a formula, a comma, a line break (a part's rows are joined as text).
    const name = [`=SUM(A1),p${p}.jpg`, `two\nlines ${p}.jpg`, `p${p}.jpg`][p % 3];
    await t.db.photo.update({ where: { id: photo.id }, data: { originalName: name } });
    await store.put(originalKey(photo.sha256), fs.readFileSync(fixtures[p % fixtures.length]));
    for (const [i, id] of ids.entries()) {
      await store.put(faceKey(photo.sha256, i), Buffer.from(`crop of face ${id}`));
      await t.db.face.update({
        where: { id },
        data: { label: CLASSES[k % CLASSES.length], split: SPLITS[k % 3], labelledById: admin.id, labelledAt: new Date(Date.UTC(2024, 0, 1, 0, 0, k)) },
      });
      k++;
    }
  }
  // Not exported: unlabelled, labelled without a split yet, in an evaluation set.
  const [unlabelled, noSplit] = await makeFaces(t.db, admin.id, 2);
  await t.db.face.update({ where: { id: noSplit }, data: { label: CLASSES[0] } });
  const [evalFace] = await makeFaces(t.db, admin.id, 1);
  const evalSet = await t.db.evalSet.create({ data: { name: 'held out' } });
  await t.db.photo.updateMany({ where: { faces: { some: { id: evalFace } } }, data: { evalSetId: evalSet.id } });
  await t.db.face.update({ where: { id: evalFace }, data: { label: CLASSES[1], split: 'train' } });
  expect(unlabelled).toBeTruthy();
  order = await t.db.face.findMany({ where: { split: { not: null }, photo: { evalSetId: null } }, orderBy: [{ photoId: 'asc' }, { id: 'asc' }], select: { id: true, photoId: true } });
  expect(order).toHaveLength(EXPORTED);
  allChunks = chunkFaces(order, CHUNKING.size!(EXPORTED));
  expect(allChunks.length).toBeGreaterThanOrEqual(3);
});

afterAll(async () => {
  await t?.cleanup();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function worker(id: string, dataDir: string, handlers?: Record<string, JobHandler>) {
  return new Worker(t.db, {
    handlers: handlers ?? exportHandlers({ store: slow, dataDir: () => dataDir, modelsDir: () => modelsDir, chunking: CHUNKING }),
    workerId: id,
    pollMs: 20,
    leaseMs: 5_000,
    log: () => {},
  });
}

/** Runs export `jobId` on `workers` (started in turn once the chunks are queued) until it ends. */
async function runExport(jobId: string, workers: Worker[]) {
  workers[0].start();
  await until(async () => (await t.db.job.count({ where: { parentId: jobId } })) > 0, 'the chunks');
  for (const w of workers.slice(1)) w.start();
  const done = await finished(t.db, jobId, 60_000);
  await Promise.all(workers.map((w) => w.stop()));
  return done;
}

/** The same archive: the same entries in the same order, each with the same bytes. */
const expectSameArchive = async (got: string, want: string) => expect([...(await readZipFile(got))]).toEqual([...(await readZipFile(want))]);

const chunksOf = (jobId: string) => t.db.job.findMany({ where: { parentId: jobId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });

describe(`the export in chunks on ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`, () => {
  it('sizes chunks for several workers, within the bounds', () => {
    expect(exportChunkSize(1_000)).toBe(250);
    expect(exportChunkSize(20_000)).toBe(1_250);
    expect(exportChunkSize(200_000)).toBe(2_000);
    expect(Math.ceil(10_000_000 / exportChunkSize(10_000_000))).toBeLessThanOrEqual(2_000);
  });

  for (const options of [{}, { content: 'photos', split: 'train', classes: ['mask_old', 'nomask_young', 'nomask_old'] }] as ExportOptionsInput[]) {
    it(`writes the archive the export writes in one process (${JSON.stringify(options)}); two workers share the chunks`, { timeout: 120_000 }, async () => {
      await t.db.job.deleteMany({});
      const want = path.join(tmp, 'in-one-process.zip');
      const r = await exportDataset(t.db, want, options, { store, modelsDir });
      const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
      const { job } = await queueExport(t.db, null, options);
      slow.delayMs = 30; // a chunk takes long enough for the second worker to claim one
      const done = await runExport(job.id, [worker('wa', dataDir), worker('wb', dataDir)]).finally(() => (slow.delayMs = 0));
      expect(done).toMatchObject({ status: 'succeeded', error: null });
      expect(JSON.parse(done.result!)).toMatchObject({ faces: r.faces, bytes: fs.statSync(want).size, model: null });
      expect(JSON.parse(done.progress)).toEqual({ step: 'done', done: r.faces, total: r.faces });
      await expectSameArchive(path.join(exportsDir(dataDir), `${job.id}.zip`), want);

      const chunks = await chunksOf(job.id);
      expect(chunks.length).toBeGreaterThanOrEqual(2);
      expect(chunks.every((c) => c.type === EXPORT_CHUNK_JOB && c.status === 'succeeded')).toBe(true);
      expect(await ranBy(t.db, chunks.map((c) => c.id))).toEqual(new Set(['wa', 'wb']));
      // Every face once, a photo's faces in one chunk, the chunks in archive order.
      const payloads = chunks.map((c) => JSON.parse(c.payload) as { n: number; ids: string[] });
      expect(payloads.map((p) => p.n)).toEqual(payloads.map((_, i) => i));
      const ids = payloads.flatMap((p) => p.ids);
      expect(ids).toEqual(order.map((f) => f.id).filter((id) => ids.includes(id)));
      expect(ids).toHaveLength(r.faces);
      const photoOf = new Map(order.map((f) => [f.id, f.photoId]));
      const chunkOfPhoto = new Map<string, Set<number>>();
      for (const p of payloads) for (const id of p.ids) chunkOfPhoto.set(photoOf.get(id)!, (chunkOfPhoto.get(photoOf.get(id)!) ?? new Set()).add(p.n));
      expect([...chunkOfPhoto.values()].every((s) => s.size === 1)).toBe(true);
      // The parts are gone: only the archive is left.
      expect(fs.readdirSync(exportsDir(dataDir))).toEqual([`${job.id}.zip`]);
      const logs = (await t.db.jobLog.findMany({ where: { jobId: job.id } })).map((l) => l.message);
      expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^exported ${r.faces} faces .*, ${chunks.length} chunks`)));
    });
  }

  it('retries a chunk that fails, and the archive is still the same', { timeout: 120_000 }, async () => {
    await t.db.job.deleteMany({});
    const want = path.join(tmp, 'in-one-process.zip');
    await exportDataset(t.db, want, {}, { store, modelsDir });
    const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
    // The crop of the second chunk's second face cannot be read, once: that chunk has begun its part.
    const face = await t.db.face.findUniqueOrThrow({ where: { id: allChunks[1].ids[1] }, include: { photo: true } });
    let broke = 0;
    slow.hook = async (key) => {
      if (key === faceKey(face.photo.sha256, face.index) && broke++ === 0) throw new Error('storage hiccup');
    };
    const { job } = await queueExport(t.db, null, {});
    const done = await runExport(job.id, [worker('wa', dataDir)]).finally(() => (slow.hook = null));
    expect(done).toMatchObject({ status: 'succeeded', error: null });
    const chunks = await chunksOf(job.id);
    expect(chunks.map((c) => c.attempts)).toEqual(chunks.map((c) => (JSON.parse(c.payload).ids.includes(face.id) ? 2 : 1)));
    expect(chunks.find((c) => c.attempts === 2)!.error).toMatch(/storage hiccup/);
    await expectSameArchive(path.join(exportsDir(dataDir), `${job.id}.zip`), want);
    expect(fs.readdirSync(exportsDir(dataDir))).toEqual([`${job.id}.zip`]);
  });

  it('cancelling the export cancels its chunks and leaves no parts and no archive', { timeout: 120_000 }, async () => {
    await t.db.job.deleteMany({});
    const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
    // The second chunk stops at one face's crop until the export is cancelled; the first has written its part.
    const face = await t.db.face.findUniqueOrThrow({ where: { id: allChunks[1].ids[1] }, include: { photo: true } });
    let reached = false;
    let go = () => {};
    const gate = new Promise<void>((r) => (go = r));
    slow.hook = async (key) => {
      if (key !== faceKey(face.photo.sha256, face.index)) return;
      reached = true;
      await gate;
    };
    const { job } = await queueExport(t.db, null, {});
    const w = worker('wa', dataDir);
    w.start();
    try {
      await until(() => reached, 'the second chunk');
      expect(fs.readdirSync(path.join(exportsDir(dataDir), `.parts-${job.id}`))).toContain('0.zip');
      await cancel(t.db, job.id);
      go();
      const done = await finished(t.db, job.id, 60_000);
      expect(done.status).toBe('cancelled');
    } finally {
      go();
      slow.hook = null;
      await w.stop();
    }
    const chunks = await chunksOf(job.id);
    expect(chunks.map((c) => c.status)).toEqual(chunks.map((_, i) => (i === 0 ? 'succeeded' : 'cancelled')));
    expect(fs.readdirSync(exportsDir(dataDir))).toEqual([]); // no parts, no archive, no temporary file
  });

  it('a worker without the chunk handler writes the archive itself', { timeout: 120_000 }, async () => {
    await t.db.job.deleteMany({});
    const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
    const { job } = await queueExport(t.db, null, {});
    const only = exportHandlers({ store, dataDir: () => dataDir, modelsDir: () => modelsDir, chunking: CHUNKING });
    const w = worker('wa', dataDir, { [EXPORT_JOB]: only[EXPORT_JOB] });
    expect(await w.runOnce()).toBe(true);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: 'succeeded', error: null });
    expect(await t.db.job.count({ where: { parentId: job.id } })).toBe(0);
    expect(fs.readdirSync(exportsDir(dataDir))).toEqual([`${job.id}.zip`]);
  });

  it('cleanupExports removes the parts an export that died left, once idle for a lease, but not its own', () => {
    const dir = path.join(tmp, 'cleanup');
    const parts = (id: string, age: number) => {
      fs.mkdirSync(path.join(dir, `.parts-${id}`), { recursive: true });
      fs.writeFileSync(path.join(dir, `.parts-${id}`, '0.zip'), 'part');
      const then = Date.now() / 1000 - age;
      fs.utimesSync(path.join(dir, `.parts-${id}`, '0.zip'), then, then);
      fs.utimesSync(path.join(dir, `.parts-${id}`), then, then);
    };
    parts('dead', 3600);
    parts('mine', 3600); // a retried job's own
    parts('busy', 3600);
    fs.writeFileSync(path.join(dir, '.parts-busy', '.1.zip.partial-1-abc'), 'being written'); // a chunk writing now
    expect(cleanupExports(dir, 3, 60_000, 'mine')).toEqual(['.parts-dead']);
    expect(fs.readdirSync(dir).sort()).toEqual(['.parts-busy', '.parts-mine']);
  });

  it('a chunk writes the faces as they are now: deleted ones skipped, relabelled ones under their label, others left out', async () => {
    const ids = order.slice(0, 6).map((f) => f.id);
    const before = await t.db.face.findMany({ where: { id: { in: ids } }, select: { id: true, label: true, split: true } });
    const label = (id: string) => before.find((f) => f.id === id)!.label!;
    const other = CLASSES.find((c) => c !== label(ids[1]))!;
    await t.db.face.delete({ where: { id: ids[0] } });
    await t.db.face.update({ where: { id: ids[1] }, data: { label: other } });
    await t.db.face.update({ where: { id: ids[2] }, data: { split: null } });
    const file = path.join(tmp, 'part', '0.zip');
    const faces = await writePart(t.db, file, ids, exportOptionsSchema.parse({}), store);
    expect(faces).toBe(4);
    const sink: FaceSink & { names: string[] } = { names: [], rows: emptyRows(), image: async (name) => void sink.names.push(name) };
    await copyPart(file, sink);
    expect(sink.names.map((n) => n.split('/').slice(1).join('/'))).toEqual([`${other}/${ids[1]}.jpg`, ...ids.slice(3).map((id) => `${label(id)}/${id}.jpg`)]);
    const manifest = parseCsv(sink.rows.manifest.join('\n'));
    expect(manifest.map((row) => [row[1], row[5]])).toEqual([[ids[1], other], ...ids.slice(3).map((id) => [id, label(id)])]);
    const metadata = [...sink.rows.metadata.values()].flatMap((rows) => parseCsv(rows.join('\n')));
    expect(metadata.map((row) => row[3]).sort()).toEqual([ids[1], ...ids.slice(3)].sort());
  });
});
