// Large uploads: a zip body is streamed to disk within MASKLAB_MAX_ZIP_MB (413 beyond, the
// partial file removed), then imported by a background `import` job with progress that the
// Collect page polls; the job removes the zip when it is done. A photo over the upload limit is a 413.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { makeZip } from '../helpers/zip';
import { createUser } from '@/lib/auth/users';
import { type Actor } from '@/lib/auth/roles';
import { UserError } from '@/lib/errors';
import { analyseFaces, type IngestOptions } from '@/lib/dataset/ingest';
import { checkDeclaredLength, receiveZip, sweepIncoming } from '@/lib/import/incoming';
import { IMPORT_JOB, importJobHandler } from '@/lib/import/job';
import { getImport, MAX_IMPORT_RESULTS, queueZipImport, recentImports, emptyProgress, tally } from '@/lib/import/progress';
import { photoTooLarge } from '@/lib/import/upload';
import { checkStorage } from '@/lib/dataset/photos';
import { Worker } from '@/lib/queue/worker';
import { LocalStore } from '@/lib/storage';

const FIX = path.join(__dirname, '..', 'fixtures', 'facemask');
const read = (rel: string) => fs.readFileSync(path.join(FIX, rel));
const MB = 1024 * 1024;
const zipLimits = { maxEntryBytes: 25 * MB, maxTotalBytes: 200 * MB, maxRatio: 100, maxEntries: 1000 };

let t: TestDb;
let tmp: string;
let incoming: string;
let store: LocalStore;
let opts: IngestOptions;
let ann: Actor;
let bob: Actor;
let admin: Actor;

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-uploads-'));
  incoming = path.join(tmp, 'incoming');
  store = new LocalStore(path.join(tmp, 'store'));
  opts = { store, limits: { maxUploadBytes: 25 * MB, maxPixels: 50_000_000 }, duplicateFaceDistance: 10, analyse: analyseFaces };
  const mk = async (email: string, role: 'labeler' | 'admin'): Promise<Actor> => {
    const u = await createUser(t.db, { email, role, password: `${email}-password` });
    return { id: u.user.id, email, name: null, role };
  };
  ann = await mk('ann@example.com', 'labeler');
  bob = await mk('bob@example.com', 'labeler');
  admin = await mk('root@example.com', 'admin');
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A body arriving in 64 KiB chunks, as a request body does. */
function body(bytes: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += 64 * 1024) yield bytes.subarray(i, i + 64 * 1024);
    })(),
  );
}

async function expect413(p: Promise<unknown> | (() => unknown), message: RegExp) {
  const err = await (typeof p === 'function' ? Promise.resolve().then(p) : p).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  expect((err as UserError).status).toBe(413);
  expect((err as UserError).message).toMatch(message);
}

const worker = () => new Worker(t.db, { handlers: { [IMPORT_JOB]: importJobHandler({ ingest: () => opts, zipLimits: () => zipLimits }) }, log: () => {} });

describe('receiving a zip body', () => {
  it('streams a body within the limit to a new file in the incoming folder', async () => {
    const bytes = Buffer.alloc(3 * MB + 17, 7);
    const { file, bytes: n } = await receiveZip(body(bytes), incoming, 4 * MB);
    expect(n).toBe(bytes.length);
    expect(path.dirname(file)).toBe(incoming);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    fs.rmSync(file);
  });

  it('refuses a body over the limit while streaming with 413 naming the limit, and leaves no partial file', async () => {
    await expect413(receiveZip(body(Buffer.alloc(5 * MB, 1)), incoming, 4 * MB), /larger than the 4 MB limit \(MASKLAB_MAX_ZIP_MB\)/);
    expect(fs.readdirSync(incoming)).toEqual([]);
  });

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    await expect413(() => checkDeclaredLength(String(4 * MB + 1), 4 * MB, 'The zip archive', 'MASKLAB_MAX_ZIP_MB'), /The zip archive is larger than the 4 MB limit/);
    expect(() => checkDeclaredLength(String(4 * MB), 4 * MB, 'The zip archive', 'MASKLAB_MAX_ZIP_MB')).not.toThrow();
    expect(() => checkDeclaredLength(null, 4 * MB, 'The zip archive', 'MASKLAB_MAX_ZIP_MB')).not.toThrow();
  });

  it('a single photo over the upload limit is a 413 that names its size and the limit', async () => {
    const e = photoTooLarge(Math.round(30.4 * MB), 25 * MB);
    expect(e.status).toBe(413);
    expect(e.message).toBe('The photo is 30.4 MB, over the 25 MB limit (MASKLAB_MAX_UPLOAD_MB)');
  });
});

describe('the import job', () => {
  let jobId: string;
  let file: string;

  it('imports a zip from disk entry by entry with progress, then removes the file', async () => {
    const a = await sharp(read('mask_young/' + fs.readdirSync(path.join(FIX, 'mask_young'))[0])).resize(90).jpeg().toBuffer();
    const b = await sharp(read('mask_young/' + fs.readdirSync(path.join(FIX, 'mask_young'))[1])).resize(91).jpeg().toBuffer();
    const zip = makeZip([
      { name: 'z/a.jpg', data: a },
      { name: 'z/', data: Buffer.alloc(0) },
      { name: '__MACOSX/z/._a.jpg', data: Buffer.from('junk') },
      { name: 'z/b.jpg', data: b },
      { name: 'z/notes.txt', data: Buffer.from('not a photo') },
      { name: 'z/again.jpg', data: a },
    ]);
    ({ file } = await receiveZip(body(zip), incoming, 10 * MB));
    ({ jobId } = await queueZipImport(t.db, { file, name: 'trip.zip', label: 'mask_young', uploaderId: ann.id }));
    // The web side answers at once: the job waits for the worker.
    expect((await getImport(t.db, ann, jobId)).status).toBe('queued');

    expect(await worker().runOnce()).toBe(true);
    const v = await getImport(t.db, ann, jobId);
    expect(v.status).toBe('succeeded');
    expect(v.name).toBe('trip.zip');
    expect(v.progress).toMatchObject({ done: 4, total: 4, added: 2, duplicate: 1, rejected: 1, omitted: 0 });
    expect(v.progress.faces).toBeGreaterThanOrEqual(2);
    expect(v.progress.results.map((r) => [r.file, r.status])).toEqual([
      ['trip.zip/z/a.jpg', 'added'],
      ['trip.zip/z/b.jpg', 'added'],
      ['trip.zip/z/notes.txt', 'rejected'],
      ['trip.zip/z/again.jpg', 'duplicate'],
    ]);
    expect(fs.existsSync(file)).toBe(false);
    // Labelled as asked, recorded for the uploader.
    const photos = await t.db.photo.findMany({ where: { originalName: { startsWith: 'trip.zip/' } }, include: { faces: true } });
    expect(photos).toHaveLength(2);
    expect(photos.every((p) => p.uploaderId === ann.id && p.faces.every((f) => f.label === 'mask_young'))).toBe(true);
    const r = await checkStorage(t.db, store);
    expect([r.missing, r.orphans]).toEqual([[], []]);
  });

  it('shows an import to its uploader and to admins only, and lists the uploader’s recent imports', async () => {
    expect((await getImport(t.db, admin, jobId)).id).toBe(jobId);
    const err = await getImport(t.db, bob, jobId).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404, message: 'No such import' });
    const mine = await recentImports(t.db, ann);
    expect(mine.map((v) => [v.id, v.status, v.progress.done])).toEqual([[jobId, 'succeeded', 4]]);
    expect(mine[0].progress.results).toEqual([]); // the list carries counts, not per-entry results
    expect(await recentImports(t.db, bob)).toEqual([]);
  });

  it('a retried job resumes after the entries its saved progress counts', async () => {
    const imgs = await Promise.all(
      fs
        .readdirSync(path.join(FIX, 'nomask_young'))
        .slice(0, 3)
        .map((f, i) => sharp(read(`nomask_young/${f}`)).resize(80 + i).jpeg().toBuffer()),
    );
    const { file: f2 } = await receiveZip(body(makeZip(imgs.map((data, i) => ({ name: `r${i}.jpg`, data })))), incoming, 10 * MB);
    const { jobId: id2 } = await queueZipImport(t.db, { file: f2, name: 'resume.zip', label: null, uploaderId: bob.id });
    // As if an earlier attempt had done the first entry and saved its progress before its worker died.
    const before = emptyProgress();
    before.total = 3;
    tally(before, { file: 'resume.zip/r0.jpg', status: 'rejected', reason: 'done by the first attempt' });
    await t.db.job.update({ where: { id: id2 }, data: { progress: JSON.stringify(before), attempts: 1 } });

    expect(await worker().runOnce()).toBe(true);
    const v = await getImport(t.db, bob, id2);
    expect(v.status).toBe('succeeded');
    expect(v.progress).toMatchObject({ done: 3, total: 3, added: 2, rejected: 1 });
    expect(v.progress.results.map((r) => r.file)).toEqual(['resume.zip/r0.jpg', 'resume.zip/r1.jpg', 'resume.zip/r2.jpg']);
    expect(await t.db.photo.count({ where: { originalName: { startsWith: 'resume.zip/' } } })).toBe(2);
    expect(fs.existsSync(f2)).toBe(false);
  });

  it('fails with a reason, and removes the file, when the archive cannot be read', async () => {
    const { file: f3 } = await receiveZip(body(Buffer.from('PK\u0003\u0004 this is not really a zip')), incoming, 10 * MB);
    const { jobId: id3 } = await queueZipImport(t.db, { file: f3, name: 'broken.zip', label: null, uploaderId: ann.id });
    expect(await worker().runOnce()).toBe(true);
    const v = await getImport(t.db, ann, id3);
    // A zip refused as a whole is one rejected result with the reason.
    expect(v.status).toBe('succeeded');
    expect(v.progress).toMatchObject({ done: 1, total: 1, rejected: 1 });
    expect(v.progress.results[0]).toMatchObject({ file: 'broken.zip', status: 'rejected', reason: expect.stringMatching(/not a readable zip archive/) });
    expect(fs.existsSync(f3)).toBe(false);
  });

  it('keeps at most MAX_IMPORT_RESULTS results, rejections before additions', () => {
    const p = emptyProgress();
    for (let i = 0; i < MAX_IMPORT_RESULTS; i++) tally(p, { file: `a${i}`, status: 'added', photoId: 'x', faces: 1, wholeImage: false, grouped: 0 });
    tally(p, { file: 'bad', status: 'rejected', reason: 'no' });
    expect(p.results).toHaveLength(MAX_IMPORT_RESULTS);
    expect(p.results.at(-1)).toMatchObject({ file: 'bad' });
    expect(p).toMatchObject({ done: MAX_IMPORT_RESULTS + 1, added: MAX_IMPORT_RESULTS, rejected: 1, omitted: 1 });
  });

  it('sweeps uploaded zips that no live import job refers to', async () => {
    const old = Date.now() - 2 * 3600_000;
    const orphan = path.join(incoming, 'orphan.zip');
    const young = path.join(incoming, 'young.zip');
    const live = path.join(incoming, 'live.zip');
    for (const f of [orphan, young, live]) fs.writeFileSync(f, 'x');
    fs.utimesSync(orphan, old / 1000, old / 1000);
    fs.utimesSync(live, old / 1000, old / 1000);
    await queueZipImport(t.db, { file: live, name: 'live.zip', label: null, uploaderId: ann.id });
    expect(await sweepIncoming(t.db, incoming)).toEqual([orphan]);
    expect(fs.readdirSync(incoming).sort()).toEqual(['live.zip', 'young.zip']);
  });
});
