// `npm run cli -- import` (real processes): an import that adds nothing fails (exit 1, one line on
// stderr), and a dataset's own metadata files (manifest.csv, classes.txt, labels.json, README*) are
// read, not rejected: a manifest's labels label the files whose folder names no class.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { freshDb, type TestDb } from '../helpers/db';
import { makeZip } from '../helpers/zip';
import { createUser } from '@/lib/auth/users';

const FIX = path.join(__dirname, '..', 'fixtures', 'facemask');
let t: TestDb;
let tmp: string;

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-cli-'));
  await createUser(t.db, { email: 'importer@example.com', role: 'labeler', password: 'importer-pw' });
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli({ databaseUrl: t.url, dataDir: path.join(tmp, 'data') }, ...args, '--as', 'importer@example.com');
const fixture = (cls: string, i: number) => path.join(FIX, cls, fs.readdirSync(path.join(FIX, cls)).sort()[i]);
const errorLines = (err: string) => err.split('\n').filter((l) => l.startsWith('error:'));

it('adds nothing (every file rejected, then every file a duplicate): exit 1 with a one-line summary on stderr', async () => {
  const dir = path.join(tmp, 'junk');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a photo');
  const rejected = cli('import', dir, '--json');
  expect(rejected.code).toBe(1);
  expect(errorLines(rejected.err)).toEqual([`error: nothing imported from ${dir}: 0 photos added (0 faces), 0 duplicates, 1 rejected`]);
  expect(JSON.parse(rejected.out)).toMatchObject({ photos: 0, rejected: [{ file: 'notes.txt' }] }); // the details stay on stdout

  const photos = path.join(tmp, 'two');
  fs.mkdirSync(photos);
  fs.copyFileSync(fixture('mask_old', 0), path.join(photos, 'a.jpg'));
  fs.copyFileSync(fixture('mask_old', 1), path.join(photos, 'b.jpg'));
  const first = cli('import', photos);
  expect(first.code, first.err).toBe(0);
  expect(first.out).toMatch(/^imported .*two: 2 photos added \(2 faces\), 0 duplicates, 0 rejected$/m);
  const again = cli('import', photos);
  expect(again.code).toBe(1);
  expect(errorLines(again.err)).toEqual([`error: nothing imported from ${photos}: 0 photos added (0 faces), 2 duplicates, 0 rejected`]);
  expect(await t.db.photo.count()).toBe(2);
}, 300_000);

it("reads the dataset's metadata files instead of rejecting them; manifest labels fill in where the folder names no class", async () => {
  const dir = path.join(tmp, 'with-manifest');
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'nomask_young'), { recursive: true });
  fs.copyFileSync(fixture('mask_young', 0), path.join(dir, 'images', 'one.jpg'));
  fs.copyFileSync(fixture('nomask_old', 0), path.join(dir, 'images', 'two.jpg'));
  fs.copyFileSync(fixture('mask_old', 2), path.join(dir, 'images', 'unlisted.jpg'));
  fs.copyFileSync(fixture('nomask_young', 0), path.join(dir, 'nomask_young', 'three.jpg'));
  // the format of tests/fixtures/facemask/manifest.csv (a quoted cell too); the folder's class wins over the manifest's
  fs.writeFileSync(
    path.join(dir, 'manifest.csv'),
    'file,class,mask,age_group,source,age_if_known,synthetic_mask\n' +
      'images/one.jpg,mask_young,1,young,cdeb,,0\r\n' +
      '"images/two.jpg",NOMASK_OLD,0,old,"a, b",,0\n' +
      'nomask_young/three.jpg,mask_old,1,old,x,,0\n' +
      'images/gone.jpg,mask_old,1,old,x,,0\n',
  );
  fs.writeFileSync(path.join(dir, 'classes.txt'), 'mask_old\nmask_young\nnomask_old\nnomask_young\n');
  fs.writeFileSync(path.join(dir, 'README.md'), '# my dataset\n');
  fs.writeFileSync(path.join(dir, 'labels.json'), '{"names": ["a", "b"]}');
  const r = cli('import', dir, '--labels-from-folders', '--json');
  expect(r.code, r.err).toBe(0);
  const out = JSON.parse(r.out);
  expect(out).toMatchObject({ photos: 3, duplicates: 0 });
  expect(out.rejected).toEqual([{ file: 'images/unlisted.jpg', reason: expect.stringContaining('folder "images" is not a class') }]);
  expect(out.metadata).toEqual([
    { file: 'classes.txt', labels: 0 },
    { file: 'labels.json', labels: 0 },
    { file: 'manifest.csv', labels: 2 },
    { file: 'README.md', labels: 0 },
  ]);
  const faces = await t.db.face.findMany({ where: { photo: { batch: 'with-manifest' } }, select: { label: true, photo: { select: { originalName: true } } } });
  expect(Object.fromEntries(faces.map((f) => [f.photo.originalName, f.label]))).toEqual({
    'images/one.jpg': 'mask_young',
    'images/two.jpg': 'nomask_old',
    'nomask_young/three.jpg': 'nomask_young',
  });

  // a zip (our own export's layout: manifest.csv last, label column "label"): read first, used, not rejected
  const zip = path.join(tmp, 'export.zip');
  fs.writeFileSync(
    zip,
    makeZip([
      { name: 'faces/x.jpg', data: fs.readFileSync(fixture('mask_old', 3)) },
      { name: 'manifest.csv', data: Buffer.from('file,face,label\nfaces/x.jpg,f1,mask_old\n') },
    ]),
  );
  const z = cli('import', zip, '--labels-from-folders', '--json');
  expect(z.code, z.err).toBe(0);
  expect(JSON.parse(z.out)).toMatchObject({ photos: 1, rejected: [], metadata: [{ file: 'export.zip/manifest.csv', labels: 1 }] });
  expect((await t.db.face.findFirstOrThrow({ where: { photo: { originalName: 'export.zip/faces/x.jpg' } } })).label).toBe('mask_old');
}, 300_000);
