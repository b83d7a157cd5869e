// A large zip import split into chunks that any idle worker claims (lib/import/job.ts): two workers share
// them, the import's counts and results are the whole archive's, a chunk on a host without the upload
// spools its own copy from shared storage, and a retried chunk resumes. SQLite by default, PostgreSQL with
// TEST_DATABASE_URL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { makeZip } from '../helpers/zip';
import { ranBy, until } from '../helpers/jobs';
import { makeUser } from '../helpers/faces';
import type { Actor } from '@/lib/auth/roles';
import { analyseFaces, type IngestOptions } from '@/lib/dataset/ingest';
import { IMPORT_CHUNK_JOB, importHandlers } from '@/lib/import/job';
import { getImport, queueZipImport } from '@/lib/import/progress';
import { sweepIncoming } from '@/lib/import/incoming';
import { checkStorage } from '@/lib/housekeeping/storage-check';
import { enqueue, getJob } from '@/lib/queue/jobs';
import type { ZipLimits } from '@/lib/import/zip';
import { type JobContext, type JobHandler, Worker } from '@/lib/queue/worker';
import { incomingKey, LocalStore } from '@/lib/storage';

const MB = 1024 * 1024;
const zipLimits: ZipLimits = { maxEntryBytes: 25 * MB, maxTotalBytes: 200 * MB, maxRatio: 100, maxEntries: 1000 };

let t: TestDb;
let tmp: string;
let incoming: string;
let store: LocalStore;
let ingest: IngestOptions;
let ann: Actor;

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-import-chunks-'));
  incoming = path.join(tmp, 'incoming');
  fs.mkdirSync(incoming);
  store = new LocalStore(path.join(tmp, 'store'));
  ingest = { store, limits: { maxUploadBytes: 25 * MB, maxPixels: 50_000_000 }, duplicateFaceDistance: 0, analyse: analyseFaces };
  ann = await makeUser(t.db, 'labeler');
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await t.db.job.deleteMany({});
});

/** `n` different small JPEGs (no faces: each is kept as a whole-image sample). */
async function photos(n: number, tag: number): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      sharp({ create: { width: 64 + i, height: 48 + tag, channels: 3, background: { r: (i * 37) % 256, g: (tag * 53) % 256, b: (i * 11) % 256 } } })
        .jpeg()
        .toBuffer(),
    ),
  );
}

/** A zip written to the incoming folder, as `receiveZip` leaves an upload. */
function upload(entries: { name: string; data: Buffer }[]): string {
  const file = path.join(incoming, `${Math.random().toString(16).slice(2)}.zip`);
  fs.writeFileSync(file, makeZip(entries));
  return file;
}

const opts = (shared: LocalStore | null = null) => ({ ingest: () => ingest, zipLimits: () => zipLimits, shared: () => shared, minChunkedEntries: 8 });

function worker(id: string, handlers: Record<string, JobHandler>) {
  return new Worker(t.db, { handlers, workerId: id, pollMs: 20, leaseMs: 10_000, log: () => {} });
}

describe(`chunked zip imports on ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`, () => {
  it('two workers share the chunks of a large zip; the counts and results are the whole archive’s', async () => {
    const imgs = await photos(36, 1);
    // 36 photos, one of them again in the last chunk (a duplicate across chunks), and 3 files that are no photos.
    const entries = [
      ...imgs.map((data, i) => ({ name: `big/p${String(i).padStart(2, '0')}.jpg`, data })),
      { name: 'big/notes.txt', data: Buffer.from('not a photo') },
      { name: 'big/again.jpg', data: imgs[0] },
      { name: 'big/readme.md', data: Buffer.from('# hello') },
      { name: 'big/empty.jpg', data: Buffer.alloc(0) },
    ];
    const file = upload(entries);
    const { jobId } = await queueZipImport(t.db, { file, name: 'big.zip', label: 'nomask_young', uploaderId: ann.id });

    // Each chunk waits until two run at once: that needs the second worker to take one.
    let running = 0;
    let peak = 0;
    const h = importHandlers(opts());
    const chunk: JobHandler = async (ctx: JobContext) => {
      running++;
      peak = Math.max(peak, running);
      try {
        await until(() => peak >= 2, 'a second worker to take a chunk');
        return await h[IMPORT_CHUNK_JOB](ctx);
      } finally {
        running--;
      }
    };
    const handlers = { ...h, [IMPORT_CHUNK_JOB]: chunk };
    const a = worker('wa', handlers);
    const b = worker('wb', handlers);
    a.start();
    b.start();
    await until(async () => ['succeeded', 'failed'].includes((await getJob(t.db, jobId))!.status), 'the import to end', 60_000);
    await Promise.all([a.stop(), b.stop()]);

    const v = await getImport(t.db, ann, jobId);
    expect(v.status).toBe('succeeded');
    expect(v.progress).toMatchObject({ done: 40, total: 40, added: 36, duplicate: 1, rejected: 3, omitted: 0 });
    expect(v.progress.faces).toBe(36);
    expect(v.progress.results.map((r) => r.file).sort()).toEqual(entries.map((e) => `big.zip/${e.name}`).sort());
    // 40 entries in chunks of 16: three chunks, taken by both workers.
    const chunks = await t.db.job.findMany({ where: { parentId: jobId }, orderBy: { createdAt: 'asc' } });
    expect(chunks.map((c) => [c.type, c.status])).toEqual([
      [IMPORT_CHUNK_JOB, 'succeeded'],
      [IMPORT_CHUNK_JOB, 'succeeded'],
      [IMPORT_CHUNK_JOB, 'succeeded'],
    ]);
    expect(await ranBy(t.db, chunks.map((c) => c.id))).toEqual(new Set(['wa', 'wb']));
    // Every photo once, labelled as asked; the upload is gone and storage is whole.
    const stored = await t.db.photo.findMany({ where: { batch: 'big.zip' }, include: { faces: true } });
    expect(stored).toHaveLength(36);
    expect(stored.every((p) => p.uploaderId === ann.id && p.faces.length === 1 && p.faces[0].label === 'nomask_young')).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
    const r = await checkStorage(t.db, store);
    expect([r.missing, r.orphans]).toEqual([[], []]);
  });

  it('a chunk on a host without the upload copies it from shared storage, resumes after its saved count, and removes its copy', async () => {
    const shared = new LocalStore(path.join(tmp, 'shared'));
    const imgs = await photos(6, 2);
    const zip = makeZip(imgs.map((data, i) => ({ name: `s${i}.jpg`, data })));
    // The upload is on shared storage only: its payload path is another host's.
    const file = path.join(tmp, 'other-host', 'incoming', 'up.zip');
    await shared.put(incomingKey('up.zip'), zip);
    const parent = await enqueue(t.db, { type: 'import', payload: { file, name: 'spool.zip', label: null, uploaderId: ann.id }, createdById: ann.id });
    await t.db.job.update({ where: { id: parent.id }, data: { status: 'running' } });
    // Entries 1 to 4 of the archive, of which an earlier attempt did the first (entry 1) before its worker died.
    const chunk = await enqueue(t.db, { type: IMPORT_CHUNK_JOB, payload: { file, name: 'spool.zip', label: null, uploaderId: ann.id, from: 1, to: 5 } });
    await t.db.job.update({
      where: { id: chunk.id },
      data: { parentId: parent.id, attempts: 1, progress: JSON.stringify({ done: 1, total: 4, added: 0, duplicate: 0, rejected: 1, faces: 0, omitted: 0 }) },
    });

    const w = worker('other', { [IMPORT_CHUNK_JOB]: importHandlers(opts(shared))[IMPORT_CHUNK_JOB] });
    expect(await w.runOnce()).toBe(true);
    const done = (await getJob(t.db, chunk.id))!;
    expect(done.status).toBe('succeeded');
    // Entries 2, 3 and 4 imported; the first attempt's entry counted but its result not kept.
    expect(JSON.parse(done.result!)).toMatchObject({ done: 4, total: 4, added: 3, rejected: 1, omitted: 1 });
    expect((await t.db.photo.findMany({ where: { batch: 'spool.zip' }, select: { originalName: true } })).map((p) => p.originalName).sort()).toEqual([
      'spool.zip/s2.jpg',
      'spool.zip/s3.jpg',
      'spool.zip/s4.jpg',
    ]);
    // No chunk left to claim: the spool is removed, the upload itself stays for its job.
    expect(fs.existsSync(path.dirname(file)) ? fs.readdirSync(path.dirname(file)) : []).toEqual([]);
    expect(await shared.get(incomingKey('up.zip'))).not.toBeNull();
  });

  it('the hourly sweep keeps a live import’s spool and removes a dead one’s', async () => {
    const old = (Date.now() - 2 * 3600_000) / 1000;
    const live = path.join(incoming, 'live.zip');
    await queueZipImport(t.db, { file: live, name: 'live.zip', label: null, uploaderId: ann.id });
    const liveSpool = `${live}.spool-4242`;
    const deadSpool = path.join(incoming, 'dead.zip.spool-4242');
    for (const f of [liveSpool, deadSpool]) {
      fs.writeFileSync(f, 'x');
      fs.utimesSync(f, old, old);
    }
    expect(await sweepIncoming(t.db, incoming, 60 * 60_000, Date.now(), null)).toEqual([deadSpool]);
    expect(fs.existsSync(liveSpool)).toBe(true);
  });
});
