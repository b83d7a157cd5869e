// masklab on S3-compatible storage (an s3rver on 127.0.0.1, tests/helpers/s3.ts): photos ingested into the
// bucket and served back, a model saved there and loaded on a "host" that never had it, an export written
// there and downloaded (and one in chunks, whose parts pass through the bucket), an uploaded zip imported from
// there, storage check and --fix, backup then restore into a fresh prefix, and `storage migrate` from a local
// install with its verification.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { emptyDb, freshDb, type TestDb } from '../helpers/db';
import { startS3, type TestS3 } from '../helpers/s3';
import { testTf } from '../helpers/tf';
import { testMeta } from '../helpers/models';
import { readZipFile } from '../helpers/read-zip';
import { makeUser } from '../helpers/faces';
import { type Analyser, type IngestOptions, ingestPhoto } from '@/lib/dataset/ingest';
import { faceMedia, photoMedia } from '@/lib/dataset/media';
import { checkStorage } from '@/lib/housekeeping/storage-check';
import { migrateStorage } from '@/lib/housekeeping/migrate-storage';
import { backup, restore } from '@/lib/backup';
import { loadModel, saveModel } from '@/lib/models/registry';
import { buildHead, DEFAULT_HEAD } from '@/lib/training/head';
import { cleanupSharedExports, EXPORT_CHUNK_JOB, EXPORT_JOB, exportHandlers, exportJobHandler } from '@/lib/export/job';
import { exportDataset } from '@/lib/export/export';
import { exportArchive, listExports, queueExport } from '@/lib/export/queue';
import { receiveZip } from '@/lib/import/incoming';
import { IMPORT_JOB, importJobHandler } from '@/lib/import/job';
import { queueZipImport } from '@/lib/import/progress';
import { getJob } from '@/lib/queue/jobs';
import { Worker } from '@/lib/queue/worker';
import { type BlobStore, displayKey, faceKey, LocalStore, originalKey, type S3Store, thumbKey, useStore } from '@/lib/storage';
import { makeZip } from '../helpers/zip';

const FIX = path.join(__dirname, '..', 'fixtures', 'facemask');
const FIXTURES = ['mask_old', 'nomask_young'].map((c) => path.join(FIX, c, fs.readdirSync(path.join(FIX, c)).filter((f) => f.endsWith('.jpg')).sort()[0]));

let s3: TestS3;
let t: TestDb;
let tmp: string;
let crop: Buffer;
let uploaderId: string;
const wholeImage: Analyser = async (rgb) => ({
  width: rgb.width,
  height: rgb.height,
  samples: [{ box: { x: 0, y: 0, w: rgb.width, h: rgb.height }, wholeImage: true, score: null, cropJpeg: crop, phash: crypto.randomBytes(8).toString('hex') }],
});
const ingestOpts = (store: BlobStore): IngestOptions => ({ store, limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 }, duplicateFaceDistance: 0, analyse: wholeImage });

beforeAll(async () => {
  s3 = await startS3();
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-s3db-'));
  crop = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer();
  uploaderId = (await makeUser(t.db, 'admin')).id;
});
afterEach(() => useStore(undefined));
afterAll(async () => {
  useStore(undefined);
  await t?.cleanup();
  await s3?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function keysOf(store: BlobStore, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const k of store.list(prefix)) out.push(k);
  return out.sort();
}
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Photos ingested into `store` (labelled, in the train split); returns their sha256s. */
async function ingestInto(store: BlobStore, n = FIXTURES.length, db = t.db, uploader = uploaderId): Promise<string[]> {
  const shas: string[] = [];
  for (const file of FIXTURES.slice(0, n)) {
    const bytes = Buffer.concat([fs.readFileSync(file), crypto.randomBytes(8)]); // distinct each time
    const r = await ingestPhoto(db, ingestOpts(store), { bytes, name: path.basename(file), source: 'upload', uploaderId: uploader, label: 'mask_old' });
    expect(r.status).toBe('added');
    shas.push(sha256(bytes));
  }
  await db.face.updateMany({ data: { split: 'train' } });
  return shas;
}

describe('photos on S3', () => {
  it('ingests a fixture photo into the bucket and serves it back', async () => {
    const store = s3.store();
    const [sha] = await ingestInto(store, 1);
    expect(await keysOf(store)).toEqual([originalKey(sha), displayKey(sha), faceKey(sha, 0), thumbKey(sha)].sort());
    const photo = await t.db.photo.findFirstOrThrow({ where: { sha256: sha }, include: { faces: true } });
    const image = await photoMedia(t.db, store, photo.id, 'image');
    expect(await sharp(image!.data).metadata()).toMatchObject({ format: 'jpeg', width: photo.width, height: photo.height });
    expect((await photoMedia(t.db, store, photo.id, 'thumb'))!.data.equals((await store.get(thumbKey(sha)))!)).toBe(true);
    expect((await faceMedia(t.db, store, photo.faces[0].id))!.data.equals(crop)).toBe(true);
    expect(sha256((await store.get(originalKey(sha)))!)).toBe(sha);
  });

  it('storage check reports missing and orphan objects on S3; --fix removes old orphans and leftover uploads', async () => {
    const store = s3.store();
    const [sha] = await ingestInto(store, 1);
    const clean = await checkStorage(t.db, store, { incomingDir: path.join(tmp, 'incoming-check') });
    expect(clean.missing.filter((k) => k.includes(sha))).toEqual([]);
    await store.delete(thumbKey(sha));
    const orphan = originalKey('f'.repeat(64));
    await store.put(orphan, Buffer.from('no row'));
    await store.put('incoming/0badc0de.zip', Buffer.from('PK cut short'));
    const r = await checkStorage(t.db, store, { incomingDir: path.join(tmp, 'incoming-check') });
    expect(r.missing).toContain(thumbKey(sha));
    expect(r.orphans).toEqual([orphan]);
    expect(r.incoming.map((f) => f.key)).toEqual(['incoming/0badc0de.zip']);
    // Written just now: --fix keeps them (an upload may still be in flight) …
    expect((await checkStorage(t.db, store, { fix: true, incomingDir: path.join(tmp, 'incoming-check') })).removed).toBe(0);
    // … and removes them once they are older than 10 minutes.
    const stat = store.stat.bind(store);
    vi.spyOn(store, 'stat').mockImplementation(async (k) => {
      const st = await stat(k);
      return st && { ...st, modified: new Date(st.modified.getTime() - 11 * 60_000) };
    });
    const fixed = await checkStorage(t.db, store, { fix: true, incomingDir: path.join(tmp, 'incoming-check') });
    expect(fixed.removed).toBe(2);
    expect(await stat(orphan)).toBeNull();
    expect(await stat('incoming/0badc0de.zip')).toBeNull();
    expect(await stat(originalKey(sha))).not.toBeNull();
  });
});

describe('models on S3', () => {
  it('saves a model to the bucket and loads it on a host whose models folder never had it', async () => {
    const store = s3.store();
    useStore(store);
    const tf = await testTf();
    const modelsA = path.join(tmp, 'models-host-a');
    const head = buildHead(tf, 8, { ...DEFAULT_HEAD, hidden: 4 }, 5);
    const dir = await saveModel(tf, modelsA, 'run_s3', head, testMeta('run_s3', 8));
    expect(await keysOf(store, 'models/')).toEqual(['models/run_s3/meta.json', 'models/run_s3/model.json', 'models/run_s3/weights.bin']);
    // Another host: the run records <its models folder>/run_s3, which is not there yet.
    const otherDir = path.join(tmp, 'models-host-b', 'run_s3');
    const { model, meta } = await loadModel(tf, otherDir);
    expect(meta.runId).toBe('run_s3');
    expect(fs.readdirSync(otherDir).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);
    const x = tf.randomNormal([2, 8]);
    const [a, b] = [head.predict(x) as import('@tensorflow/tfjs').Tensor, model.predict(x) as import('@tensorflow/tfjs').Tensor];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    expect(fs.readFileSync(path.join(otherDir, 'weights.bin')).equals(fs.readFileSync(path.join(dir, 'weights.bin')))).toBe(true);
  });
});

describe('exports and uploads on S3', () => {
  it('writes an export archive to the bucket and streams it back for download', { timeout: 120_000 }, async () => {
    const store = s3.store();
    const own = await freshDb(); // only this store's photos in the database: the export reads every labelled face
    try {
    const db = own.db;
    await ingestInto(store, FIXTURES.length, db, (await makeUser(db, 'admin')).id);
    const dataDir = path.join(tmp, 'data-export');
    const { job } = await queueExport(db, null, {});
    const w = new Worker(db, { handlers: { [EXPORT_JOB]: exportJobHandler({ store, dataDir: () => dataDir, modelsDir: () => path.join(tmp, 'no-models') }) }, log: () => {} });
    expect(await w.runOnce()).toBe(true);
    expect((await getJob(db, job.id))!).toMatchObject({ status: 'succeeded', error: null });
    expect(await keysOf(store, 'exports/')).toEqual([`exports/${job.id}.zip`]);
    expect(fs.readdirSync(path.join(dataDir, 'exports'))).toEqual([]); // nothing left on the local disk
    const a = await exportArchive(db, dataDir, job.id, store);
    expect(a.size).toBe((await store.stat(`exports/${job.id}.zip`))!.size);
    const file = path.join(tmp, 'downloaded.zip');
    await fs.promises.writeFile(file, await a.open());
    const zip = await readZipFile(file);
    expect([...zip.keys()].filter((n) => n.endsWith('.jpg')).length).toBeGreaterThan(0);
    expect((await listExports(db, dataDir, 5, store))[0]).toMatchObject({ id: job.id, ready: true });
    expect((await listExports(db, dataDir, 5, null))[0]).toMatchObject({ id: job.id, ready: false }); // not on the local disk
    } finally {
      await own.cleanup();
    }
  });

  it('an export in chunks keeps its parts in the bucket until the archive is put together, then removes them', { timeout: 120_000 }, async () => {
    const store = s3.store();
    const own = await freshDb();
    try {
      const db = own.db;
      await ingestInto(store, FIXTURES.length, db, (await makeUser(db, 'admin')).id);
      const modelsDir = path.join(tmp, 'no-models');
      const want = path.join(tmp, 'export-in-one-process.zip');
      await exportDataset(db, want, {}, { store, modelsDir });
      const dataDir = path.join(tmp, 'data-export-chunks');
      const put: string[] = [];
      const putStream = store.putStream.bind(store);
      vi.spyOn(store, 'putStream').mockImplementation(async (key, body) => {
        put.push(key);
        return putStream(key, body);
      });
      await store.put('exports/parts/deadjob/0.zip', Buffer.from('left by an export whose worker died'));
      const { job } = await queueExport(db, null, {});
      const handlers = exportHandlers({ store, dataDir: () => dataDir, modelsDir: () => modelsDir, chunking: { minFaces: 2, size: () => 1 } });
      const w = new Worker(db, { handlers, log: () => {} });
      expect(await w.runOnce()).toBe(true);
      expect((await getJob(db, job.id))!).toMatchObject({ status: 'succeeded', error: null });
      expect(await db.job.count({ where: { parentId: job.id, type: EXPORT_CHUNK_JOB, status: 'succeeded' } })).toBe(FIXTURES.length);
      // Each chunk's part went through the bucket; then only the archive is left, and nothing on the local disk.
      expect(put.sort()).toEqual([`exports/${job.id}.zip`, ...FIXTURES.map((_, n) => `exports/parts/${job.id}/${n}.zip`)]);
      expect(await keysOf(store, 'exports/')).toEqual([`exports/${job.id}.zip`, 'exports/parts/deadjob/0.zip']); // written just now: kept
      expect(fs.readdirSync(path.join(dataDir, 'exports'))).toEqual([]);
      const got = path.join(tmp, 'downloaded-chunks.zip');
      await fs.promises.writeFile(got, await (await exportArchive(db, dataDir, job.id, store)).open());
      expect([...(await readZipFile(got))]).toEqual([...(await readZipFile(want))]);
      // Parts not written to for a lease (here: none) are left over: removed; archives are not parts.
      expect(await cleanupSharedExports(store, 3, 0)).toEqual(['parts/deadjob/']);
      expect(await keysOf(store, 'exports/')).toEqual([`exports/${job.id}.zip`]);
    } finally {
      await own.cleanup();
    }
  });

  it('streams an uploaded zip into the bucket and imports it from there on a worker', { timeout: 120_000 }, async () => {
    const store = s3.store();
    const zipFile = path.join(tmp, 'upload.zip');
    fs.writeFileSync(zipFile, makeZip(FIXTURES.map((f, i) => ({ name: `p${i}.jpg`, data: Buffer.concat([fs.readFileSync(f), crypto.randomBytes(8)]) }))));
    const incoming = path.join(tmp, 'incoming-upload');
    const { file, bytes } = await receiveZip(Readable.from([fs.readFileSync(zipFile)]), incoming, 10 * 1024 * 1024, store);
    expect(bytes).toBe(fs.statSync(zipFile).size);
    expect(fs.existsSync(file)).toBe(false); // not on the web server's disk
    expect(await keysOf(store, 'incoming/')).toEqual([`incoming/${path.basename(file)}`]);
    // Over the limit: a 413, and nothing stored.
    await expect(receiveZip(Readable.from([fs.readFileSync(zipFile)]), incoming, 100, store)).rejects.toMatchObject({ status: 413 });
    expect(await keysOf(store, 'incoming/')).toHaveLength(1);

    const { jobId } = await queueZipImport(t.db, { file, name: 'upload.zip', label: null, uploaderId });
    const handler = importJobHandler({ ingest: () => ingestOpts(store), shared: () => store });
    const w = new Worker(t.db, { handlers: { [IMPORT_JOB]: handler }, log: () => {} });
    expect(await w.runOnce()).toBe(true);
    const done = (await getJob(t.db, jobId))!;
    expect(done.status).toBe('succeeded');
    expect(JSON.parse(done.result!)).toMatchObject({ added: FIXTURES.length });
    expect(await keysOf(store, 'incoming/')).toEqual([]);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('backup, restore and migrate with S3', () => {
  it('backs up from one prefix and restores into a fresh one (photos and models read from and written to S3)', { timeout: 120_000 }, async () => {
    const a = s3.store();
    await ingestInto(a);
    useStore(a);
    const tf = await testTf();
    const srcModels = path.join(tmp, 'models-backup');
    const run = await t.db.run.create({ data: { status: 'running', backbone: 'test-backbone' } });
    const dir = await saveModel(tf, srcModels, run.id, buildHead(tf, 8, { ...DEFAULT_HEAD, hidden: 4 }, 5), testMeta(run.id, 8));
    await t.db.run.update({ where: { id: run.id }, data: { status: 'succeeded', modelDir: dir } });
    fs.rmSync(srcModels, { recursive: true }); // the local models folder is only a cache: the backup reads the bucket

    const archive = path.join(tmp, 'backup.tar');
    const m = await backup(archive, { databaseUrl: t.url, dataDir: path.join(tmp, 'data-backup'), modelsDir: srcModels, store: a });
    // (The database also holds the photos of other tests, whose files are in other prefixes: reported missing.)
    const expectedStore = (await keysOf(a)).filter((k) => /^(objects|derived)\//.test(k)).length;
    expect(m.files).toEqual({ store: expectedStore, models: 3 });

    const b = s3.store();
    const target = await emptyDb();
    try {
      const dataDir = path.join(tmp, 'data-restored');
      const modelsDir = path.join(tmp, 'models-restored');
      const r = await restore(archive, { databaseUrl: target.url, dataDir, modelsDir, store: b });
      expect(r.files).toEqual({ store: expectedStore, models: 3 });
      const srcKeys = (await keysOf(a)).filter((k) => /^(objects|derived|models)\//.test(k));
      expect(await keysOf(b)).toEqual(srcKeys);
      for (const k of srcKeys) expect((await b.get(k))!.equals((await a.get(k))!)).toBe(true);
      expect(fs.existsSync(path.join(dataDir, 'store'))).toBe(false); // nothing on the local disk
      // The restored run loads its model from the new prefix.
      useStore(b);
      const { meta } = await loadModel(tf, path.join(modelsDir, run.id));
      expect(meta.runId).toBe(run.id);
      // A restore refuses a prefix that holds anything.
      const again = await emptyDb();
      try {
        await expect(restore(archive, { databaseUrl: again.url, dataDir: path.join(tmp, 'd3'), modelsDir: path.join(tmp, 'm3'), store: b })).rejects.toThrow(/not empty/);
      } finally {
        await again.cleanup();
      }
    } finally {
      await target.cleanup();
    }
  });

  it('storage migrate copies a local install to S3, verifies it, skips what is there, and catches a bad copy', { timeout: 120_000 }, async () => {
    const dataDir = path.join(tmp, 'data-local');
    const modelsDir = path.join(tmp, 'models-local');
    const local = new LocalStore(path.join(dataDir, 'store'));
    const shas = await ingestInto(local);
    const tf = await testTf();
    await saveModel(tf, modelsDir, 'run_local', buildHead(tf, 8, { ...DEFAULT_HEAD, hidden: 4 }, 5), testMeta('run_local', 8)); // local store: no upload
    fs.mkdirSync(path.join(dataDir, 'exports'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'exports', 'job1.zip'), crypto.randomBytes(1000));
    fs.writeFileSync(path.join(dataDir, 'exports', '.job2.zip.partial-1-x'), 'cut short'); // not migrated

    const target = s3.store() as S3Store;
    await expect(migrateStorage({ dataDir, modelsDir, target: local })).rejects.toThrow(/MASKLAB_STORAGE/);
    const localKeys = await keysOf(local);
    const r = await migrateStorage({ dataDir, modelsDir, target });
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ files: localKeys.length + 3 + 1, copied: localKeys.length + 4, skipped: 0, verified: localKeys.length + 4, hashed: shas.length });
    expect(await keysOf(target)).toEqual(
      [...localKeys, 'models/run_local/meta.json', 'models/run_local/model.json', 'models/run_local/weights.bin', 'exports/job1.zip'].sort(),
    );
    for (const k of localKeys) expect((await target.get(k))!.equals((await local.get(k))!)).toBe(true);

    // Again: nothing to copy.
    expect(await migrateStorage({ dataDir, modelsDir, target })).toMatchObject({ copied: 0, skipped: r.files, verified: r.files, problems: [] });

    // An original in the bucket with the right size but other bytes: reported, not success.
    const bad = originalKey(shas[0]);
    const size = (await local.stat(bad))!.size;
    await target.put(bad, Buffer.alloc(size, 0));
    const broken = await migrateStorage({ dataDir, modelsDir, target });
    expect(broken.problems).toEqual([expect.stringContaining(`${bad}: its sha256 in the store is`)]);
    expect(broken.hashed).toBe(shas.length - 1);
  });
});
