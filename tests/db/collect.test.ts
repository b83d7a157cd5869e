// Ingest, import and delete against a real database, a real file store and the real face
// detector: what gets stored for good input, and that bad input leaves nothing half-stored.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { makeZip } from '../helpers/zip';
import { createUser } from '@/lib/auth/users';
import type { Actor } from '@/lib/auth/roles';
import { analyseFaces, type IngestOptions, ingestPhoto, type IngestResult } from '@/lib/dataset/ingest';
import { importPath } from '@/lib/import/folder';
import { checkStorage, deletePhoto } from '@/lib/dataset/photos';
import { assignLabels } from '@/lib/dataset/labels';
import { perDay } from '@/lib/dataset/balance';
import { faceMedia, photoMedia } from '@/lib/dataset/media';
import { ingestFiles } from '@/lib/import/upload';
import { listFaces, listPhotos, PAGE_SIZE, parseFaceFilter } from '@/lib/dataset/gallery';
import { type BlobStore, LocalStore, originalKey } from '@/lib/storage';

const FIX = path.join(__dirname, '..', 'fixtures', 'facemask');
const CLASS_DIRS = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'];
const read = (rel: string) => fs.readFileSync(path.join(FIX, rel));
const SCENE = 'scenes/cdeb_pic1.jpg';

let t: TestDb;
let tmp: string;
let store: LocalStore;
let opts: IngestOptions;
let ann: Actor;
let bob: Actor;
const zipLimits = { maxEntryBytes: 25 * 1024 * 1024, maxTotalBytes: 200 * 1024 * 1024, maxRatio: 100, maxEntries: 1000 };

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-collect-'));
  store = new LocalStore(path.join(tmp, 'store'));
  opts = { store, limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 }, duplicateFaceDistance: 10, analyse: analyseFaces };
  const a = await createUser(t.db, { email: 'ann@example.com', role: 'labeler', password: 'ann-password' });
  const b = await createUser(t.db, { email: 'bob@example.com', role: 'labeler', password: 'bob-password' });
  ann = { id: a.user.id, email: a.user.email, name: null, role: 'labeler' };
  bob = { id: b.user.id, email: b.user.email, name: null, role: 'labeler' };
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ingest = (bytes: Buffer, name: string, o: Partial<IngestOptions> = {}) =>
  ingestPhoto(t.db, { ...opts, ...o }, { bytes, name, source: 'upload', uploaderId: ann.id });

async function keys(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of it) out.push(k);
  return out.sort();
}

/** Nothing half-stored: every row has its files, every file its row. */
async function expectConsistent() {
  const r = await checkStorage(t.db, store);
  expect(r.missing).toEqual([]);
  expect(r.orphans).toEqual([]);
  expect(r.temps).toEqual([]);
  expect(r.photos).toBe(await t.db.photo.count());
}

function expectRejected(r: IngestResult, reason: RegExp) {
  expect(r.status).toBe('rejected');
  expect(r.status === 'rejected' && r.reason).toMatch(reason);
}

describe('ingest of good photos', () => {
  it('stores a scene photo with one face sample per face, its files and its derived copies', async () => {
    const r = await ingest(read(SCENE), 'pic1.jpg');
    expect(r.status).toBe('added');
    if (r.status !== 'added') return;
    const photo = await t.db.photo.findUniqueOrThrow({ where: { id: r.photoId }, include: { faces: { orderBy: { index: 'asc' } } } });
    expect(photo).toMatchObject({ format: 'jpeg', width: 640, height: 418, source: 'upload', uploaderId: ann.id, originalName: 'pic1.jpg' });
    expect(photo.faces).toHaveLength(2);
    expect(photo.faces.every((f) => !f.wholeImage && f.w > 50 && f.score! > 0.6 && /^[0-9a-f]{16}$/.test(f.phash))).toBe(true);
    expect(photo.faces[0].x).toBeLessThan(photo.faces[1].x); // left to right
    expect(photo.faces.every((f) => f.label === null)).toBe(true);
    expect(await store.get(originalKey(photo.sha256))).toEqual(read(SCENE));
    const crop = await faceMedia(t.db, store, photo.faces[0].id);
    expect((await sharp(crop!.data).metadata()).format).toBe('jpeg');
    await expectConsistent();
  });

  it('finds the faces a person counts in the three scene photos (2, 3, 3)', async () => {
    const counts: Record<string, number> = {};
    for (const f of ['cdeb_pic1.jpg', 'cdeb_pic2.jpg', 'cdeb_with_mask401.jpg']) {
      const r = await ingest(read(`scenes/${f}`), `scene-${f}`);
      const photoId = r.status === 'added' || r.status === 'duplicate' ? r.photoId : '';
      counts[f] = await t.db.face.count({ where: { photoId, wholeImage: false } });
    }
    expect(counts).toEqual({ 'cdeb_pic1.jpg': 2, 'cdeb_pic2.jpg': 3, 'cdeb_with_mask401.jpg': 3 });
  });

  it('stores the same file only once and names the photo it duplicates', async () => {
    const before = await t.db.photo.count();
    const r = await ingest(read(SCENE), 'copy-of-pic1.jpg');
    expect(r.status).toBe('duplicate');
    expect(r.status === 'duplicate' && r.reason).toMatch(/^duplicate of pic1\.jpg/);
    expect(await t.db.photo.count()).toBe(before);
    // Sent twice at once: one photo, one duplicate.
    const png = await sharp(read('mask_old/cdeb_0932.jpg')).png().toBuffer();
    const both = await Promise.all([ingest(png, 'a.png'), ingest(png, 'b.png')]);
    expect(both.map((x) => x.status).sort()).toEqual(['added', 'duplicate']);
    await expectConsistent();
  });

  it('groups a near-duplicate face (re-encoded, resized copy) with the original', async () => {
    const orig = read('nomask_old/fm12k_2167.jpg');
    const a = await ingest(orig, 'orig.jpg');
    const b = await ingest(await sharp(orig).resize(80).jpeg({ quality: 70 }).toBuffer(), 'smaller.jpg');
    const c = await ingest(read('nomask_young/fm12k_1828.jpg'), 'other-person.jpg');
    const face = async (r: IngestResult) => t.db.face.findFirstOrThrow({ where: { photoId: (r as { photoId: string }).photoId } });
    const [fa, fb, fc] = [await face(a), await face(b), await face(c)];
    expect(fa.groupId).toBe(fa.id);
    expect(fb.groupId).toBe(fa.id);
    expect(fc.groupId).toBeNull();
  });

  it('applies EXIF orientation and strips all metadata (GPS included) from what is served', async () => {
    const src = await sharp(read(SCENE))
      .withMetadata({ orientation: 6, exif: { IFD0: { Make: 'SecretCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } } })
      .jpeg()
      .toBuffer();
    const meta = await sharp(src).metadata();
    expect(meta.exif?.toString('latin1')).toContain('SecretCam');
    expect(meta.orientation).toBe(6);
    const r = await ingest(src, 'rotated.jpg');
    if (r.status !== 'added') throw new Error(JSON.stringify(r));
    const photo = await t.db.photo.findUniqueOrThrow({ where: { id: r.photoId }, include: { faces: true } });
    expect([photo.width, photo.height]).toEqual([418, 640]); // turned upright
    const served = [
      (await photoMedia(t.db, store, photo.id, 'image'))!.data,
      (await photoMedia(t.db, store, photo.id, 'thumb'))!.data,
      ...(await Promise.all(photo.faces.map(async (f) => (await faceMedia(t.db, store, f.id))!.data))),
    ];
    for (const buf of served) {
      const m = await sharp(buf).metadata();
      expect(m.exif).toBeUndefined();
      expect(m.xmp).toBeUndefined();
      expect(m.icc).toBeUndefined();
      expect(m.orientation).toBeUndefined();
      expect(buf.includes(Buffer.from('SecretCam'))).toBe(false);
    }
    const display = await sharp(served[0]).metadata();
    expect([display.width, display.height]).toEqual([418, 640]);
  });

  it('accepts PNG, WebP and AVIF by content, whatever the file is called', async () => {
    const base = sharp(read('mask_young/cdeb_317.jpg'));
    for (const [fmt, buf] of [
      ['png', await base.clone().png().toBuffer()],
      ['webp', await base.clone().webp().toBuffer()],
      ['avif', await base.clone().avif().toBuffer()],
    ] as const) {
      const r = await ingest(buf, `named-wrongly-${fmt}.jpg`);
      expect(r.status, fmt).toBe('added');
      const p = await t.db.photo.findUniqueOrThrow({ where: { id: (r as { photoId: string }).photoId } });
      expect(p.format).toBe(fmt);
    }
  });

  it('keeps a photo with a damaged EXIF block (the pixels are fine) and serves it without metadata', async () => {
    const jpg = read('mask_old/cdeb_with_mask389.jpg');
    const junk = Buffer.concat([Buffer.from('Exif\0\0MM\0*\0\0\0\x08\xff\xff\x01\x02', 'latin1'), Buffer.from('not really a tiff directory')]);
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (junk.length + 2) >> 8, (junk.length + 2) & 255]), junk]);
    const bad = Buffer.concat([jpg.subarray(0, 2), app1, jpg.subarray(2)]);
    const r = await ingest(bad, 'bad-exif.jpg');
    expect(r.status).toBe('added');
    const served = (await photoMedia(t.db, store, (r as { photoId: string }).photoId, 'image'))!.data;
    expect(served.includes(Buffer.from('not really a tiff'))).toBe(false);
    await expectConsistent();
  });
});

describe('bad input is refused with a reason and leaves nothing behind', () => {
  const cases: Array<[string, () => Promise<Buffer>, RegExp]> = [
    ['a text file renamed .jpg', async () => Buffer.from('name,label\nx.jpg,mask_old\n'), /not an image: it looks like text/],
    ['random bytes renamed .jpg', async () => Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251)), /not an image/],
    ['a truncated JPEG', async () => read(SCENE).subarray(0, 20_000), /truncated/],
    ['a 0-byte file', async () => Buffer.alloc(0), /empty file \(0 bytes\)/],
    ['a 50-megapixel PNG', async () => sharp({ create: { width: 7100, height: 7100, channels: 3, background: '#808080' } }).png().toBuffer(), /7100×7100 \(50\.4 megapixels\), over the 50\.0 megapixels limit/],
    ['a GIF', async () => sharp({ create: { width: 32, height: 32, channels: 3, background: '#808080' } }).gif().toBuffer(), /GIF is not supported; use JPEG, PNG, WebP, AVIF or HEIC/],
    ['a TIFF', async () => sharp(read(SCENE)).tiff().toBuffer(), /TIFF is not supported/],
    ['a BMP', async () => Buffer.concat([Buffer.from('BM'), Buffer.alloc(100)]), /BMP is not supported/],
  ];
  for (const [what, make, reason] of cases) {
    it(`refuses ${what}`, async () => {
      const before = await t.db.photo.count();
      const files = await keys(store.list(''));
      const r = await ingest(await make(), 'photo.jpg');
      expectRejected(r, reason);
      expect(await t.db.photo.count()).toBe(before);
      expect(await keys(store.list(''))).toEqual(files);
    });
  }

  it('refuses a file over the size limit before decoding it', async () => {
    const r = await ingest(read(SCENE), 'big.jpg', { limits: { maxUploadBytes: 10_000, maxPixels: 50_000_000 } });
    expectRejected(r, /over the 0\.0 MB limit|over the .* MB limit/);
  });

  it('removes the files again when the database refuses the row', async () => {
    const files = await keys(store.list(''));
    await expect(
      ingestPhoto(t.db, opts, { bytes: read('mask_old/cdeb_0932.jpg'), name: 'x.jpg', source: 'upload', uploaderId: 'no-such-user' }),
    ).rejects.toThrow();
    expect(await keys(store.list(''))).toEqual(files);
    await expectConsistent();
  });

  it('removes the files already written when the store fails halfway', async () => {
    let puts = 0;
    const flaky: BlobStore = {
      ...store,
      get: (k) => store.get(k),
      stat: (k) => store.stat(k),
      delete: (k) => store.delete(k),
      list: (p) => store.list(p),
      put: async (k, d) => {
        if (++puts === 3) throw new Error('disk full');
        return store.put(k, d);
      },
    };
    const files = await keys(store.list(''));
    await expect(ingest(read('mask_old/cdeb_0932.jpg'), 'y.jpg', { store: flaky })).rejects.toThrow(/disk full/);
    expect(await keys(store.list(''))).toEqual(files);
    await expectConsistent();
  });
});

describe('import', () => {
  it('imports an ImageFolder directory with labels from the folders, recorded for the importer', async () => {
    const dir = path.join(tmp, 'imagefolder');
    for (const [i, c] of CLASS_DIRS.entries()) {
      const folder = path.join(dir, i % 2 ? c.toUpperCase() : c); // folder names in any case
      fs.mkdirSync(folder, { recursive: true });
      for (const f of fs.readdirSync(path.join(FIX, c))) fs.copyFileSync(path.join(FIX, c, f), path.join(folder, f));
    }
    fs.mkdirSync(path.join(dir, 'cats'));
    fs.copyFileSync(path.join(FIX, SCENE), path.join(dir, 'cats', 'scene.jpg'));
    fs.writeFileSync(path.join(dir, 'README.txt'), 'hello');
    fs.writeFileSync(path.join(dir, '.DS_Store'), 'junk');
    const s = await importPath(t.db, opts, dir, { uploaderId: bob.id, labelsFromFolders: true, zipLimits });
    // 32 fixture faces; cdeb_0932 (as PNG) and fm12k_2167 and fm12k_1828 and cdeb_317 variants were ingested before as other bytes
    expect(s.rejected).toEqual([
      { file: 'cats/scene.jpg', reason: expect.stringMatching(/^folder "cats" is not a class/) },
      { file: 'README.txt', reason: 'not an image: it looks like text' },
    ]);
    expect(s.photos + s.duplicates).toBe(32);
    // Every fixture face image yields exactly one sample, labelled with its folder's class.
    for (const c of CLASS_DIRS) {
      for (const f of fs.readdirSync(path.join(FIX, c))) {
        const faces = await t.db.face.findMany({ where: { photo: { originalName: { endsWith: `/${f}` } } } });
        const photos = await t.db.photo.findMany({ where: { originalName: { endsWith: f } }, include: { faces: true } });
        const imported = photos.find((p) => p.originalName.toLowerCase() === `${c}/${f}`.toLowerCase());
        if (!imported) continue; // stored earlier from identical bytes: a duplicate
        expect(imported.faces, f).toHaveLength(1);
        expect(imported.faces[0].label).toBe(c);
        expect(imported.source).toBe('import');
        expect(faces.length).toBeGreaterThan(0);
      }
    }
    const events = await t.db.labelEvent.findMany({ where: { userId: bob.id } });
    expect(events.length).toBe(s.faces);
    expect(events.every((e) => e.kind === 'import' && e.oldLabel === null)).toBe(true);
    await expectConsistent();
  });

  it('imports a split-folders zip (train|val|test/<class>/…) with labels, case-insensitively', async () => {
    const img = (c: string, i: number, size: number) => sharp(read(`${c}/${fs.readdirSync(path.join(FIX, c))[i]}`)).resize(size).jpeg().toBuffer();
    const zip = makeZip([
      { name: 'ds/train/Mask_Old/a.jpg', data: await img('mask_old', 0, 90), deflate: false },
      { name: 'ds/val/NOMASK_YOUNG/b.jpg', data: await img('nomask_young', 1, 91) },
      { name: 'ds/test/nomask_old/c.jpg', data: await img('nomask_old', 2, 92) },
      { name: 'ds/test/nomask_old/', data: Buffer.alloc(0) },
    ]);
    const file = path.join(tmp, 'split.zip');
    fs.writeFileSync(file, zip);
    const s = await importPath(t.db, opts, file, { uploaderId: bob.id, labelsFromFolders: true, zipLimits });
    expect(s).toMatchObject({ photos: 3, faces: 3, duplicates: 0, rejected: [] });
    const photos = await t.db.photo.findMany({ where: { originalName: { startsWith: 'split.zip/' } }, include: { faces: true }, orderBy: { originalName: 'asc' } });
    expect(photos.map((p) => [p.originalName, p.faces[0].label])).toEqual([
      ['split.zip/ds/test/nomask_old/c.jpg', 'nomask_old'],
      ['split.zip/ds/train/Mask_Old/a.jpg', 'mask_old'],
      ['split.zip/ds/val/NOMASK_YOUNG/b.jpg', 'nomask_young'],
    ]);
  });

  it('refuses unsafe zip entries, zip bombs and nested zips, and imports the rest', async () => {
    const good = await sharp(read('mask_young/cdeb_332.jpg')).resize(100).jpeg().toBuffer();
    const inner = makeZip([{ name: 'x.jpg', data: good }]);
    const zip = makeZip([
      { name: '../../etc/evil.jpg', data: good },
      { name: 'ok/../../evil2.jpg', data: good },
      { name: 'bomb.png', data: Buffer.alloc(20 * 1024 * 1024) }, // deflates ~1000:1
      { name: 'inner.zip', data: inner },
      { name: 'disguised.jpg', data: inner },
      { name: 'empty.jpg', data: Buffer.alloc(0) },
      { name: 'photos/good.jpg', data: good },
    ]);
    const file = path.join(tmp, 'mixed.zip');
    fs.writeFileSync(file, zip);
    const before = await keys(store.list('objects/'));
    const s = await importPath(t.db, opts, file, { uploaderId: bob.id, zipLimits });
    expect(s.photos).toBe(1);
    const reasons = Object.fromEntries(s.rejected.map((r) => [r.file, r.reason]));
    expect(reasons).toEqual({
      'mixed.zip/../../etc/evil.jpg': expect.stringMatching(/unsafe path in zip/),
      'mixed.zip/ok/../../evil2.jpg': expect.stringMatching(/unsafe path in zip/),
      'mixed.zip/bomb.png': expect.stringMatching(/compression ratio \d+:1 is over the 100:1 limit/),
      'mixed.zip/inner.zip': expect.stringMatching(/nested zip/),
      'mixed.zip/disguised.jpg': expect.stringMatching(/nested zip/),
      'mixed.zip/empty.jpg': 'empty file (0 bytes)',
    });
    expect((await keys(store.list('objects/'))).length).toBe(before.length + 1);
    expect(fs.existsSync(path.join(tmp, '..', 'etc', 'evil.jpg'))).toBe(false);
    await expectConsistent();
  });

  it('refuses a zip that would unpack beyond the total size limit without unpacking it', async () => {
    const zip = makeZip(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.jpg`, data: Buffer.alloc(3 * 1024 * 1024, i) })));
    const file = path.join(tmp, 'big.zip');
    fs.writeFileSync(file, zip);
    const photos = await t.db.photo.count();
    const s = await importPath(t.db, opts, file, { uploaderId: bob.id, zipLimits: { ...zipLimits, maxTotalBytes: 10 * 1024 * 1024, maxRatio: 10_000 } });
    expect(s.rejected).toEqual([{ file: 'big.zip', reason: expect.stringMatching(/would unpack to 15\.0 MB, over the 10\.0 MB limit/) }]);
    expect(await t.db.photo.count()).toBe(photos);
    const many = await importPath(t.db, opts, file, { uploaderId: bob.id, zipLimits: { ...zipLimits, maxEntries: 4, maxRatio: 10_000 } });
    expect(many.rejected).toEqual([{ file: 'big.zip', reason: 'the zip holds more than 4 entries' }]);
  });

  it('upload of images and a zip in one request gives one result per file', async () => {
    const img = await sharp(read('nomask_old/fm12k_3442.jpg')).resize(77).jpeg().toBuffer();
    const zip = makeZip([{ name: 'z/one.jpg', data: await sharp(read('nomask_old/fm12k_4437.jpg')).resize(78).jpeg().toBuffer() }, { name: 'z/notes.txt', data: Buffer.from('hi') }]);
    const results = await ingestFiles(t.db, opts, [{ name: 'single.jpg', bytes: img }, { name: 'batch.zip', bytes: zip }], { uploaderId: ann.id, label: 'nomask_old', source: 'upload', zipLimits });
    expect(results.map((r) => [r.file, r.status])).toEqual([
      ['single.jpg', 'added'],
      ['batch.zip/z/one.jpg', 'added'],
      ['batch.zip/z/notes.txt', 'rejected'],
    ]);
    const ev = await t.db.labelEvent.findMany({ where: { photoId: (results[0] as { photoId: string }).photoId } });
    expect(ev).toMatchObject([{ kind: 'label', newLabel: 'nomask_old', userId: ann.id }]);
  });
});

describe('gallery queries', () => {
  it('filters and pages faces and photos in the database', async () => {
    const all = await listFaces(t.db, parseFaceFilter({}));
    expect(all.total).toBe(await t.db.face.count());
    expect(all.faces).toHaveLength(Math.min(PAGE_SIZE, all.total));
    const last = await listFaces(t.db, parseFaceFilter({ page: String(all.pages) }));
    expect(last.faces).toHaveLength(all.total - PAGE_SIZE * (all.pages - 1));
    const unlabelled = await listFaces(t.db, parseFaceFilter({ label: 'unlabelled' }));
    expect(unlabelled.total).toBe(await t.db.face.count({ where: { label: null } }));
    expect(unlabelled.faces.every((f) => f.label === null)).toBe(true);
    const byBob = await listFaces(t.db, parseFaceFilter({ label: 'mask_young', uploader: bob.id }));
    expect(byBob.total).toBe(await t.db.face.count({ where: { label: 'mask_young', photo: { uploaderId: bob.id } } }));
    expect(byBob.total).toBeGreaterThan(0);
    const whole = await listFaces(t.db, parseFaceFilter({ whole: 'yes' }));
    expect(whole.total).toBeGreaterThan(0);
    expect(whole.faces.every((f) => f.wholeImage)).toBe(true);
    const photos = await listPhotos(t.db, parseFaceFilter({ label: 'nomask_old' }));
    expect(photos.total).toBe(await t.db.photo.count({ where: { faces: { some: { label: 'nomask_old' } } } }));
    expect(parseFaceFilter({ label: 'DROP TABLE', whole: '1', page: '-3' })).toMatchObject({ label: '', whole: '', page: 1, pageSize: PAGE_SIZE });
    expect(parseFaceFilter({}, { label: 'unlabelled', pageSize: 60 })).toMatchObject({ label: 'unlabelled', pageSize: 60 });
  });
});

describe('delete', () => {
  it('lets only the uploader or an admin delete a photo, and removes its faces and files', async () => {
    const r = await ingest(read('scenes/cdeb_pic2.jpg').subarray(0), 'to-delete.jpg');
    const photoId = r.status === 'duplicate' || r.status === 'added' ? r.photoId : '';
    const photo = await t.db.photo.findUniqueOrThrow({ where: { id: photoId } });
    await expect(deletePhoto(t.db, store, bob, photoId)).rejects.toThrow(/uploader or an admin/);
    const uploader = photo.uploaderId === ann.id ? ann : bob;
    const [first] = await t.db.face.findMany({ where: { photoId }, orderBy: { index: 'asc' } });
    await assignLabels(t.db, bob, [first.id], 'mask_old');
    const daysBefore = await perDay(t.db);
    const out = await deletePhoto(t.db, store, uploader, photoId);
    expect(out.faces).toBe(3);
    expect(await t.db.face.count({ where: { photoId } })).toBe(0);
    // The label history outlives the face, with one more event saying who deleted it.
    const history = await t.db.labelEvent.findMany({ where: { faceId: first.id }, orderBy: { createdAt: 'asc' } });
    expect(history.map((e) => [e.kind, e.oldLabel, e.newLabel, e.userId, e.photoId])).toEqual([
      ['label', null, 'mask_old', bob.id, photoId],
      ['deleted', 'mask_old', null, uploader.id, photoId],
    ]);
    expect(await perDay(t.db)).toEqual(daysBefore);
    expect(await store.stat(originalKey(photo.sha256))).toBeNull();
    await expectConsistent();
    await expect(deletePhoto(t.db, store, { ...bob, role: 'admin' }, photoId)).rejects.toThrow(/No such photo/);
  });
});

describe('storage check', () => {
  it('lists the temporary file of a write cut short, and with --fix removes it once it is old', async () => {
    // What a server killed in the middle of `put` leaves: an empty `<file>.<random>.tmp`.
    const name = 'objects/ab/' + 'a'.repeat(64) + '.0123456789ab.tmp';
    const file = path.join(store.root, ...name.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    const seen = await checkStorage(t.db, store);
    expect(seen.temps).toEqual([name]);
    expect(seen.orphans).toEqual([]); // a temporary file is not a stored blob
    // A young one may be an upload still being written: --fix leaves it.
    expect((await checkStorage(t.db, store, { fix: true })).removed).toBe(0);
    expect(fs.existsSync(file)).toBe(true);
    const old = new Date(Date.now() - 11 * 60_000);
    fs.utimesSync(file, old, old);
    expect((await checkStorage(t.db, store, { fix: true })).removed).toBe(1);
    expect(fs.existsSync(file)).toBe(false);
    await expectConsistent();
  });
});
