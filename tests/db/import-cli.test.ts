// `npm run cli -- import …` as a user runs it: the summary as a JSON line on stdout with --json; exit 1 on a
// failure (also when nothing was added: tests/db/cli-import.test.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { freshDb, type TestDb } from '../helpers/db';
import { makeZip } from '../helpers/zip';
import { createUser } from '@/lib/auth/users';

const ROOT = path.join(__dirname, '..', '..');
const FIX = path.join(ROOT, 'tests', 'fixtures', 'facemask');
let t: TestDb;
let tmp: string;

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-cli-'));
  await createUser(t.db, { email: 'importer@example.com', role: 'labeler', password: 'importer-pw' });
  await createUser(t.db, { email: 'watcher@example.com', role: 'viewer', password: 'watcher-pw' });
  await t.db.webhook.create({ data: { url: 'https://hooks.example.com/masklab', secret: 's', events: JSON.stringify(['import.finished']) } });
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli({ databaseUrl: t.url, dataDir: path.join(tmp, 'data') }, ...args);
process.env.NEXTAUTH_URL = 'https://masklab.example.com'; // the app's public URL: webhooks link to its pages

it('imports a split-folders zip with labels and prints the summary', async () => {
  const files = fs.readdirSync(path.join(FIX, 'mask_young')).slice(0, 2);
  const zip = makeZip([
    { name: 'train/MASK_YOUNG/' + files[0], data: fs.readFileSync(path.join(FIX, 'mask_young', files[0])) },
    { name: 'test/mask_young/' + files[1], data: fs.readFileSync(path.join(FIX, 'mask_young', files[1])) },
    { name: 'test/mask_young/copy.jpg', data: fs.readFileSync(path.join(FIX, 'mask_young', files[1])) },
    { name: 'nested.zip', data: makeZip([{ name: 'a.txt', data: Buffer.from('a') }]) },
  ]);
  const file = path.join(tmp, 'ds.zip');
  fs.writeFileSync(file, zip);
  const r = cli('import', file, '--labels-from-folders', '--as', 'importer@example.com', '--json');
  expect(r.code, r.err).toBe(0);
  expect(JSON.parse(r.out)).toEqual({
    photos: 2,
    faces: 2,
    duplicates: 1,
    rejected: [{ file: 'ds.zip/nested.zip', reason: 'nested zip archive: unpack it and import its contents instead' }],
    metadata: [],
  });
  const events = await t.db.labelEvent.findMany({ include: { user: true } });
  expect(events.map((e) => [e.kind, e.newLabel, e.user.email])).toEqual([
    ['import', 'mask_young', 'importer@example.com'],
    ['import', 'mask_young', 'importer@example.com'],
  ]);
  // import.finished, as the zip job sends it: the import's name (not the server's path) and a link to Collect
  const [delivery] = await t.db.webhookDelivery.findMany();
  expect(JSON.parse(delivery.body)).toMatchObject({
    event: 'import.finished',
    importId: null,
    name: 'ds.zip',
    source: 'cli',
    evalSet: null,
    counts: { entries: 4, added: 2, duplicate: 1, rejected: 1, faces: 2 },
    url: 'https://masklab.example.com/collect',
  });
});

it('exits 1 on a failure, with a one-line message', () => {
  const missing = cli('import', path.join(tmp, 'nope'), '--as', 'importer@example.com');
  expect(missing.code).toBe(1);
  expect(missing.err).toContain('error: no such file or folder');
  const viewer = cli('import', FIX, '--as', 'watcher@example.com');
  expect(viewer.code).toBe(1);
  expect(viewer.err).toMatch(/viewer; imports need a labeler or admin/);
});

it('--eval-set: class folders give a full label, young/old and mask/nomask one attribute; --batch names the import', async () => {
  const dir = path.join(tmp, 'gen-set');
  const put = (folder: string, cls: string, i: number) => {
    fs.mkdirSync(path.join(dir, folder), { recursive: true });
    const f = fs.readdirSync(path.join(FIX, cls)).sort()[i];
    fs.copyFileSync(path.join(FIX, cls, f), path.join(dir, folder, `${cls}-${f}`));
  };
  put('Old', 'nomask_old', 0);
  put('young', 'nomask_young', 0);
  put('No-Mask', 'nomask_old', 1);
  put('mask', 'mask_old', 0);
  put('mask_young', 'mask_young', 3);
  put('blurry', 'mask_young', 4);
  const r = cli('import', dir, '--labels-from-folders', '--eval-set', 'generalisation', '--batch', 'gen-2026', '--as', 'importer@example.com', '--json');
  expect(r.code, r.err).toBe(0);
  const out = JSON.parse(r.out);
  expect(out).toMatchObject({ photos: 5, faces: 5, evalSet: 'generalisation' });
  expect(out.rejected).toEqual([{ file: expect.stringMatching(/^blurry\//), reason: expect.stringContaining('folder "blurry" is not a class') }]);
  const faces = await t.db.face.findMany({
    where: { photo: { batch: 'gen-2026' } },
    select: { label: true, attrLabel: true, photo: { select: { originalName: true, evalSet: { select: { name: true } } } } },
  });
  const byFolder = Object.fromEntries(faces.map((f) => [f.photo.originalName.split('/')[0], [f.label, f.attrLabel, f.photo.evalSet?.name]]));
  expect(byFolder).toEqual({
    Old: [null, 'old', 'generalisation'],
    young: [null, 'young', 'generalisation'],
    'No-Mask': [null, 'nomask', 'generalisation'],
    mask: [null, 'mask', 'generalisation'],
    mask_young: ['mask_young', null, 'generalisation'],
  });
});

it('without --eval-set an attribute folder is refused (a partial label cannot be trained on); the batch is the folder name', async () => {
  const dir = path.join(tmp, 'plain-import');
  fs.mkdirSync(path.join(dir, 'old'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'nomask_old'), { recursive: true });
  const src = (cls: string, i: number) => path.join(FIX, cls, fs.readdirSync(path.join(FIX, cls)).sort()[i]);
  fs.copyFileSync(src('nomask_old', 5), path.join(dir, 'old', 'a.jpg'));
  fs.copyFileSync(src('nomask_old', 6), path.join(dir, 'nomask_old', 'b.jpg'));
  const r = cli('import', dir, '--labels-from-folders', '--as', 'importer@example.com', '--json');
  expect(r.code, r.err).toBe(0);
  const out = JSON.parse(r.out);
  expect(out.photos).toBe(1);
  expect(out.rejected).toEqual([{ file: 'old/a.jpg', reason: expect.stringMatching(/only evaluation sets, --eval-set/) }]);
  const photo = await t.db.photo.findFirstOrThrow({ where: { originalName: 'nomask_old/b.jpg' } });
  expect([photo.batch, photo.evalSetId]).toEqual(['plain-import', null]);
});
