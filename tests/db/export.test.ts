// The dataset export and the model bundle, on the real fixtures: 32 labelled face photos imported through the
// real pipeline, split by hand (6 train, 1 valid, 1 test per class), a small model trained and promoted on them
// (e2e/fixture-model.ts). The archive is opened with yauzl; the bundle's module is run in a fresh Node process
// from a folder outside the repository and must give the predict API's probabilities.
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '@/lib/import/metadata';
import { freshDb, type TestDb } from '../helpers/db';
import { readZipFile } from '../helpers/read-zip';
import { createPromotedFixtureModel } from '@/e2e/fixture-model';
import { CLASSES } from '@/lib/classes';
import { analyseFaces, type IngestOptions } from '@/lib/dataset/ingest';
import { importPath } from '@/lib/import/folder';
import { predictImage } from '@/lib/models/promoted';
import { getJob } from '@/lib/queue/jobs';
import { Worker } from '@/lib/queue/worker';
import { faceKey, LocalStore } from '@/lib/storage';
import { exportDataset, MANIFEST_COLUMNS, METADATA_COLUMNS } from '@/lib/export/export';
import { findChromium } from '@/e2e/chromium';
import { cleanupExports, EXPORT_JOB, exportJobHandler } from '@/lib/export/job';
import { exportArchive, exportFilePath, listExports, queueExport } from '@/lib/export/queue';

const FIX = path.resolve(__dirname, '../fixtures/facemask');
const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

let t: TestDb;
let tmp: string;
let store: LocalStore;
let modelsDir: string;
let runId: string;
const ADMIN = 'admin@export.test';

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-export-'));
  store = new LocalStore(path.join(tmp, 'store'));
  modelsDir = path.join(tmp, 'models');
  const opts: IngestOptions = { store, limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 }, duplicateFaceDistance: 0, analyse: analyseFaces };
  const admin = await t.db.user.create({ data: { email: ADMIN, passwordHash: 'x', role: 'admin' } });
  const photos = path.join(tmp, 'photos');
  for (const cls of CLASSES) fs.cpSync(path.join(FIX, cls), path.join(photos, cls), { recursive: true });
  const r = await importPath(t.db, opts, photos, { uploaderId: admin.id, source: 'import', labelsFromFolders: true });
  expect(r.rejected).toEqual([]);
  for (const cls of CLASSES) {
    const faces = await t.db.face.findMany({ where: { label: cls }, orderBy: { id: 'asc' }, select: { id: true } });
    expect(faces).toHaveLength(8);
    for (const [i, f] of faces.entries()) await t.db.face.update({ where: { id: f.id }, data: { split: i < 6 ? 'train' : i === 6 ? 'valid' : 'test' } });
  }
  // A file name that a spreadsheet would run as a formula.
  const one = await t.db.face.findFirstOrThrow({ where: { label: 'mask_old', split: 'test' }, select: { photoId: true } });
  await t.db.photo.update({ where: { id: one.photoId }, data: { originalName: '=HYPERLINK("http://x","click"),a.jpg' } });
  runId = await createPromotedFixtureModel(t.url, modelsDir);
}, 600_000);

afterAll(async () => {
  await t?.cleanup();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});


describe('the dataset export', () => {
  it('writes train/ val/ test/ <class>/<face>.jpg, a manifest and the model bundle', { timeout: 300_000 }, async () => {
    const file = path.join(tmp, 'all.zip');
    const r = await exportDataset(t.db, file, {}, { store, modelsDir });
    expect(r).toMatchObject({ faces: 32, model: runId });
    const zip = await readZipFile(file);
    const images = [...zip.keys()].filter((n) => n.endsWith('.jpg'));
    expect(images).toHaveLength(32);
    for (const split of ['train', 'val', 'test']) for (const cls of CLASSES) expect(images.filter((n) => n.startsWith(`${split}/${cls}/`))).toHaveLength(split === 'train' ? 6 : 1);
    // A crop is the stored face crop, byte for byte.
    const face = await t.db.face.findFirstOrThrow({ where: { label: 'nomask_young', split: 'valid' }, include: { photo: true } });
    expect(zip.get(`val/nomask_young/${face.id}.jpg`)!.equals((await store.get(faceKey(face.photo.sha256, face.index)))!)).toBe(true);

    const rows = parseCsv(zip.get('manifest.csv')!.toString('utf8'));
    expect(rows[0]).toEqual([...MANIFEST_COLUMNS]);
    expect(rows).toHaveLength(33);
    const byFace = new Map(rows.slice(1).map((row) => [row[1], Object.fromEntries(MANIFEST_COLUMNS.map((c, i) => [c, row[i]]))]));
    const m = byFace.get(face.id)!;
    expect(m).toMatchObject({ file: `val/nomask_young/${face.id}.jpg`, photo: face.photoId, label: 'nomask_young', split: 'val', labeller: ADMIN, time: face.labelledAt!.toISOString() });
    expect(m.box.split(' ').map(Number)).toEqual([face.x, face.y, face.w, face.h].map((v) => Math.round(v * 100) / 100));
    expect(m.original_file).toBe(face.photo.originalName);
    // The formula-like name is neutralised (and still readable).
    expect(rows.some((row) => row[3] === `'=HYPERLINK("http://x","click"),a.jpg`)).toBe(true);
    expect(zip.get('manifest.csv')!.toString()).toContain(`"'=HYPERLINK(""http://x"",""click""),a.jpg"`);

    // The class list at the root, in the model's softmax order, and Hugging Face imagefolder metadata.
    expect(zip.get('classes.txt')!.toString()).toBe(CLASSES.join('\n') + '\n');
    expect(JSON.parse(zip.get('labels.json')!.toString())).toEqual(Object.fromEntries(CLASSES.map((c, i) => [c, i])));
    // One metadata.csv per split (datasets puts every row of a split's metadata files into that split).
    const metaVal = parseCsv(zip.get('val/metadata.csv')!.toString());
    expect(metaVal[0]).toEqual([...METADATA_COLUMNS]);
    expect(metaVal).toHaveLength(5);
    expect(['train', 'test'].map((s) => parseCsv(zip.get(`${s}/metadata.csv`)!.toString()).length)).toEqual([25, 5]);
    const md = Object.fromEntries(METADATA_COLUMNS.map((c, i) => [c, metaVal.find((row) => row[3] === face.id)![i]]));
    expect(md).toMatchObject({ file_name: `nomask_young/${face.id}.jpg`, label: 'nomask_young', split: 'val', face_id: face.id, photo_id: face.photoId, original_file: face.photo.originalName });
    expect([md.box_x, md.box_y, md.box_w, md.box_h].map(Number)).toEqual([face.x, face.y, face.w, face.h].map((v) => Math.round(v * 100) / 100));

    // model/: the bundle, listed from the model's meta, with TF.js, its wasm backend and the two examples.
    const model = [...zip.keys()].filter((n) => n.startsWith('model/')).sort();
    expect(model).toEqual(
      [
        'README.md',
        'blazeface.bin',
        'blazeface.json',
        'example.html',
        'example.mjs',
        'faceres.bin',
        'faceres.json',
        'head.bin',
        'head.json',
        'masklab-classify.mjs',
        'meta.json',
        'tf-backend-wasm.es2017.min.js',
        'tf.es2017.min.js',
        'tfjs-backend-wasm-simd.wasm',
        'tfjs-backend-wasm-threaded-simd.wasm',
        'tfjs-backend-wasm.wasm',
      ].map((n) => `model/${n}`),
    );
    // Nothing from a CDN: the page loads its scripts relatively.
    expect(zip.get('model/example.html')!.toString()).not.toMatch(/(src=["']|from\s+["'])(https?:)?\/\//);
    const meta = JSON.parse(zip.get('model/meta.json')!.toString());
    expect(meta).toMatchObject({ runId, classes: [...CLASSES], bundle: { graphs: { detector: 'blazeface.json', faceres: 'faceres.json' }, head: 'head.json', inputSizes: { detector: 256, backbone: 224 } } });
    expect(meta.preprocessing).toMatchObject({ l2: true, mirrorTta: true });
    // The module has no imports: TF.js is passed in.
    expect(zip.get('model/masklab-classify.mjs')!.toString()).not.toMatch(/^\s*import\s/m);
  });

  it('honours the options: one split, some classes, whole photos', { timeout: 300_000 }, async () => {
    const file = path.join(tmp, 'some.zip');
    const r = await exportDataset(t.db, file, { split: 'train', classes: ['mask_young', 'nomask_old'], content: 'photos' }, { store, modelsDir });
    expect(r.faces).toBe(12);
    const zip = await readZipFile(file);
    const images = [...zip.keys()].filter((n) => n.endsWith('.jpg'));
    expect(images).toHaveLength(12);
    expect(images.every((n) => /^train\/(mask_young|nomask_old)\/[^/]+\.jpg$/.test(n))).toBe(true);
    // A whole photo: the original's size (upright), not the crop's.
    const sharp = (await import('sharp')).default;
    const id = images[0].split('/')[2].replace('.jpg', '');
    const face = await t.db.face.findUniqueOrThrow({ where: { id }, include: { photo: true } });
    const dims = await sharp(zip.get(images[0])!).metadata();
    expect([dims.width, dims.height]).toEqual([face.photo.width, face.photo.height]);
    expect(parseCsv(zip.get('manifest.csv')!.toString())).toHaveLength(13);
  });

  it('runs as a job with progress, keeps the last archives, and answers which one to download', { timeout: 300_000 }, async () => {
    const dataDir = path.join(tmp, 'data');
    await expect(exportArchive(t.db, dataDir)).rejects.toMatchObject({ status: 404 });
    const { job } = await queueExport(t.db, null, { split: 'test' });
    expect((await queueExport(t.db, null, {})).alreadyQueued).toBe(true);
    await expect(exportArchive(t.db, dataDir)).rejects.toMatchObject({ status: 409 });
    await expect(exportArchive(t.db, dataDir, job.id)).rejects.toMatchObject({ status: 409, message: /not finished/ });
    const w = new Worker(t.db, { handlers: { [EXPORT_JOB]: exportJobHandler({ store, dataDir: () => dataDir, modelsDir: () => modelsDir }) }, log: () => {} });
    expect(await w.runOnce()).toBe(true);
    const done = (await getJob(t.db, job.id))!;
    expect(done.status).toBe('succeeded');
    expect(JSON.parse(done.progress)).toEqual({ step: 'done', done: 4, total: 4 });
    expect(JSON.parse(done.result!)).toMatchObject({ faces: 4, model: runId });
    const a = await exportArchive(t.db, dataDir);
    expect(a).toMatchObject({ id: job.id, file: exportFilePath(dataDir, job.id) });
    expect(fs.statSync(a.file).size).toBe(a.size);
    const [listed] = await listExports(t.db, dataDir);
    expect(listed).toMatchObject({ id: job.id, status: 'succeeded', ready: true, options: { split: 'test' } });
    const names = [...(await readZipFile(a.file)).keys()];
    expect(names.filter((n) => n.endsWith('.jpg')).every((n) => n.startsWith('test/'))).toBe(true);
    expect(fs.readdirSync(path.dirname(a.file))).toEqual([`${job.id}.zip`]); // no temporary file left

    // Only the newest archives stay; a removed one is a clear 404.
    await expect(exportArchive(t.db, dataDir, 'nosuchjob')).rejects.toMatchObject({ status: 404 });
    fs.writeFileSync(path.join(path.dirname(a.file), '.x.zip.partial-1-abc'), 'cut short');
    fs.writeFileSync(path.join(path.dirname(a.file), '.y.zip.partial-2-def'), 'being written by another worker');
    const old = Date.now() / 1000 - 3600;
    fs.utimesSync(a.file, old, old);
    fs.utimesSync(path.join(path.dirname(a.file), '.x.zip.partial-1-abc'), old, old);
    for (const n of ['b', 'c', 'd']) fs.writeFileSync(path.join(path.dirname(a.file), `${n}.zip`), n);
    expect(cleanupExports(path.dirname(a.file)).sort()).toEqual(['.x.zip.partial-1-abc', `${job.id}.zip`]);
    expect(fs.existsSync(path.join(path.dirname(a.file), '.y.zip.partial-2-def'))).toBe(true); // written to just now: kept
    await expect(exportArchive(t.db, dataDir, job.id)).rejects.toMatchObject({ status: 404, message: /removed/ });
  });
});

/** The folders torchvision's ImageFolder (and Keras) would see under `split/`, in its order: sorted names. */
function imageFolderClasses(names: string[], split: string): Record<string, number> {
  const dirs = new Set(names.filter((n) => n.startsWith(`${split}/`) && n.split('/').length >= 3).map((n) => n.split('/')[1]));
  return Object.fromEntries([...dirs].sort().map((d, i) => [d, i]));
}

/** A python3 with torchvision and pandas (CI installs Debian's through .ci/run), or null. */
function pythonWithLoaders(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import torchvision, pandas'], { stdio: 'ignore' }).status === 0) return py;
  }
  return null;
}

describe('an export every loader numbers the same', () => {
  // All of mask_old in train: val/ and test/ have no mask_old face (the 3 mask_old faces).
  let missing: string;
  beforeAll(async () => {
    const moved = await t.db.face.findMany({ where: { label: 'mask_old', split: { in: ['valid', 'test'] } }, select: { id: true, split: true } });
    expect(moved).toHaveLength(2);
    missing = path.join(tmp, 'missing-class.zip');
    try {
      await t.db.face.updateMany({ where: { id: { in: moved.map((f) => f.id) } }, data: { split: 'train' } });
      await exportDataset(t.db, missing, {}, { store, modelsDir });
    } finally {
      for (const f of moved) await t.db.face.update({ where: { id: f.id }, data: { split: f.split } });
    }
  }, 300_000);

  it('has every class folder in every split, so the class indices agree with labels.json', async () => {
    const zip = await readZipFile(missing);
    const names = [...zip.keys()];
    expect(names.filter((n) => n.startsWith('val/mask_old/') && n.endsWith('.jpg'))).toEqual([]);
    const labels = JSON.parse(zip.get('labels.json')!.toString());
    expect(labels).toEqual({ mask_old: 0, mask_young: 1, nomask_old: 2, nomask_young: 3 });
    expect(zip.get('classes.txt')!.toString().trim().split('\n')).toEqual([...CLASSES]);
    for (const split of ['train', 'val', 'test']) {
      for (const cls of CLASSES) expect(zip.has(`${split}/${cls}/`), `${split}/${cls}/`).toBe(true); // a directory entry, empty or not
      expect(imageFolderClasses(names, split), split).toEqual(labels);
    }
    let rows = 0;
    for (const split of ['train', 'val', 'test']) {
      for (const [file, label, col] of parseCsv(zip.get(`${split}/metadata.csv`)!.toString()).slice(1)) {
        expect(zip.has(`${split}/${file}`), file).toBe(true); // relative to the csv
        expect([file.split('/')[0], col]).toEqual([label, split]);
        rows++;
      }
    }
    expect(rows).toBe(32);
  });

  const py = pythonWithLoaders();
  it.skipIf(!py)('reads the same in torchvision ImageFolder and pandas', { timeout: 120_000 }, async () => {
    const { stdout } = await run(py!, [path.join(ROOT, 'tests/python/export_loaders.py'), missing], { maxBuffer: 16 * 1024 * 1024 });
    const got = JSON.parse(stdout) as {
      splits: Record<string, { class_to_idx: Record<string, number>; samples: number; targets: number[] }>;
      labels: Record<string, number>;
      classes: string[];
      metadata: { rows: number; columns: string[]; missing_files: string[]; labels_match_folders: boolean };
    };
    expect(got.classes).toEqual([...CLASSES]);
    expect(Object.keys(got.splits)).toEqual(['train', 'val', 'test']);
    for (const [split, s] of Object.entries(got.splits)) expect(s.class_to_idx, split).toEqual(got.labels);
    expect(got.splits.train).toMatchObject({ samples: 26, targets: [0, 1, 2, 3] });
    expect(got.splits.val).toMatchObject({ samples: 3, targets: [1, 2, 3] }); // mask_young is still 1, not 0
    expect(got.metadata).toEqual({ rows: 32, columns: [...METADATA_COLUMNS], missing_files: [], labels_match_folders: true });
  });
  if (!py) console.warn('export test: no python3 with torchvision and pandas (apt-get install python3-torchvision python3-pandas): the loader check is skipped');
});

describe('the model bundle', () => {
  it('runs outside masklab in a fresh Node process and gives the predict API probabilities (within 1e-4)', { timeout: 600_000 }, async () => {
    // The bundle as the export writes it, unpacked into a folder outside the repository.
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-bundle-'));
    try {
      const zip = await readZipFile(path.join(tmp, 'all.zip'));
      fs.mkdirSync(path.join(out, 'model'));
      for (const [name, data] of zip) if (name.startsWith('model/')) fs.writeFileSync(path.join(out, name), data);
      // Its only dependency, TF.js (and sharp to decode, as its README does), from this checkout.
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'), 'dir');
      fs.writeFileSync(
        path.join(out, 'classify.mjs'),
        `import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import sharp from 'sharp';
import { load } from './model/masklab-classify.mjs';
setWasmPaths(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
await tf.setBackend('wasm');
const model = await load({ tf });
const out = [];
for (const [i, file] of process.argv.slice(2).entries()) {
  let img = sharp(file).rotate().flatten({ background: '#fff' }).toColourspace('srgb');
  img = i % 2 ? img.removeAlpha() : img.ensureAlpha(); // RGB and RGBA (ImageData-like) pixels
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  out.push(await model.classify({ data, width: info.width, height: info.height }));
}
console.log(JSON.stringify({ backend: tf.getBackend(), classes: model.meta.classes, out }));
`,
      );
      const files = [...CLASSES.flatMap((c) => fs.readdirSync(path.join(FIX, c)).sort().slice(0, 2).map((f) => path.join(FIX, c, f))), ...fs.readdirSync(path.join(FIX, 'scenes')).filter((f) => f.endsWith('.jpg')).map((f) => path.join(FIX, 'scenes', f))];
      const { stdout } = await run(process.execPath, ['classify.mjs', ...files], { cwd: out, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } });
      const got = JSON.parse(stdout) as { backend: string; classes: string[]; out: { box: object; wholeImage: boolean; probs: Record<string, number>; label: string }[][] };
      expect(got.backend).toBe('wasm');
      expect(got.classes).toEqual([...CLASSES]);
      let faces = 0;
      let maxDiff = 0;
      for (const [i, file] of files.entries()) {
        const api = await predictImage(t.db, fs.readFileSync(file));
        expect(got.out[i].map((f) => [f.box, f.wholeImage, f.label])).toEqual(api.faces.map((f) => [f.box, f.wholeImage, f.label]));
        for (const [k, f] of api.faces.entries()) for (const c of CLASSES) maxDiff = Math.max(maxDiff, Math.abs(got.out[i][k].probs[c] - f.probs[c]));
        faces += api.faces.length;
      }
      console.info(`model bundle: ${faces} faces in ${files.length} images, largest probability difference from the predict API ${maxDiff.toExponential(1)}`);
      expect(maxDiff).toBeLessThan(1e-4);
      expect(faces).toBeGreaterThan(files.length); // the scenes hold several faces each
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

/** The export's model/ folder unpacked into `dir` (created), as a user unzips it. */
async function unpackBundle(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, data] of await readZipFile(path.join(tmp, 'all.zip'))) if (name.startsWith('model/') && !name.endsWith('/')) fs.writeFileSync(path.join(dir, name.slice(6)), data);
}

const FACE = path.join(FIX, 'nomask_young', fs.readdirSync(path.join(FIX, 'nomask_young')).sort()[0]);
const SCENE = path.join(FIX, 'scenes', fs.readdirSync(path.join(FIX, 'scenes')).filter((f) => f.endsWith('.jpg')).sort()[0]);

describe("the model bundle's examples", () => {
  it('example.mjs classifies offline in a fresh npm project with only sharp installed', { timeout: 300_000 }, async () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-example-'));
    try {
      await unpackBundle(project);
      // `npm init -y` without "type": example.mjs is an ES module by its name. Only sharp is installed (linked
      // from this checkout): TF.js must come from the bundle.
      fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'try-masklab', version: '1.0.0', main: 'index.js', license: 'ISC' }, null, 2));
      fs.mkdirSync(path.join(project, 'node_modules'));
      fs.symlinkSync(path.join(ROOT, 'node_modules', 'sharp'), path.join(project, 'node_modules', 'sharp'), 'dir');
      // Offline: no fetch at all in this process.
      const { stdout } = await run(process.execPath, ['--no-experimental-fetch', 'example.mjs', FACE, SCENE], { cwd: project, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '', NODE_PATH: '' } });
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; backend: string; faces: { box: object; label: string; probs: Record<string, number> }[] });
      expect(lines.map((l) => [l.file, l.backend])).toEqual([
        [FACE, 'wasm'],
        [SCENE, 'wasm'],
      ]);
      for (const l of lines) {
        const api = await predictImage(t.db, fs.readFileSync(l.file));
        expect(l.faces.map((f) => [f.box, f.label])).toEqual(api.faces.map((f) => [f.box, f.label]));
        for (const [k, f] of api.faces.entries()) for (const c of CLASSES) expect(Math.abs(l.faces[k].probs[c] - f.probs[c])).toBeLessThan(1e-4);
      }
      expect(lines[1].faces.length).toBeGreaterThan(1);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });

  const chromium = findChromium();
  it.skipIf(!('path' in chromium))('example.html classifies in Chromium with the network blocked, on wasm, as the predict API does', { timeout: 300_000 }, async () => {
    const { chromium: pw } = await import('@playwright/test');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-example-web-'));
    const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm', '.jpg': 'image/jpeg' };
    // A plain static server for the unzipped bundle and the photos (as `python3 -m http.server` would).
    const photos: Record<string, string> = { '/photos/face.jpg': FACE, '/photos/scene.jpg': SCENE };
    const server = http.createServer((req, res) => {
      const p = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
      const file = photos[p] ?? path.join(dir, path.normalize(p).replace(/^([/\\])+/, ''));
      if (!file.startsWith(dir) && !photos[p]) return void res.writeHead(403).end();
      fs.readFile(file, (err, data) => {
        if (err) return void res.writeHead(404).end();
        res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(data);
      });
    });
    const browser = await pw.launch({ executablePath: (chromium as { path: string }).path, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      await unpackBundle(dir);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const page = await browser.newPage();
      const blocked: string[] = [];
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(`${origin}/`) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      for (const photo of Object.keys(photos)) {
        await page.goto(`${origin}/example.html?image=${photo}`);
        await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 240_000 });
        const status = await page.locator('#status').textContent();
        expect(await page.getAttribute('body', 'data-state'), status ?? '').toBe('done');
        // SwiftShader (or no WebGL with --disable-gpu): the preview's rule picks WebAssembly, and says why.
        expect(status).toMatch(/\(wasm: (WebGL here runs in software|this browser has no WebGL)/);
        const got = JSON.parse((await page.locator('#result').textContent())!) as { backend: string; faces: { label: string }[] };
        expect(got.backend).toBe('wasm');
        const api = await predictImage(t.db, fs.readFileSync(photos[photo]));
        expect(got.faces.map((f) => f.label), photo).toEqual(api.faces.map((f) => f.label));
      }
      expect(blocked).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
