// The dataset export and the model bundle, on the real fixtures: 32 labelled face photos imported through the
// real pipeline, split by hand (6 train, 1 valid, 1 test per class), a small model trained and promoted on them
// (e2e/fixture-model.ts). The archive is opened with yauzl; the bundle's module is run in a fresh Node process
// from a folder outside the repository and must give the predict API's probabilities.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { exportDataset, MANIFEST_COLUMNS } from '@/lib/export/export';
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

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && (c === ',' || c === '\n')) {
      row.push(cell);
      cell = '';
      if (c === '\n') {
        rows.push(row);
        row = [];
      }
    } else {
      cell += c;
    }
  }
  return rows;
}

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

    // model/: the bundle, listed from the model's meta.
    const model = [...zip.keys()].filter((n) => n.startsWith('model/')).sort();
    expect(model).toEqual(
      ['README.md', 'blazeface.bin', 'blazeface.json', 'faceres.bin', 'faceres.json', 'head.bin', 'head.json', 'masklab-classify.mjs', 'meta.json'].map((n) => `model/${n}`),
    );
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
