// The live preview and the predict API, with a small model promoted by `e2e/fixture-model.ts`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, expect, test, type APIRequestContext, type Browser } from '@playwright/test';
import { ADMIN, signIn, uniqueEmail } from './helpers';
import { makeY4m } from './make-y4m';
import { createPromotedFixtureModel, FIXTURE_CLASSES } from './fixture-model';
import { CLASS_NAMES } from '../lib/classes';
import { createDb } from '../lib/db';
import { createToken } from '../lib/auth/tokens';
import { createUser } from '../lib/auth/users';

test.describe.configure({ mode: 'serial' });

const DATA = path.join(__dirname, '.data');
const DB_URL = `file:${path.join(DATA, 'masklab.db')}`;
const MODELS = path.join(DATA, 'models');
const FIX = path.join(__dirname, '..', 'tests', 'fixtures', 'facemask');
// The page shows class names as every other page does ("Mask, old"), from the one vocabulary.
const CLASS_RE = new RegExp(FIXTURE_CLASSES.map((c) => CLASS_NAMES[c]).join('|'));

type ApiFace = { box: { x: number; y: number; w: number; h: number }; wholeImage: boolean; probs: Record<string, number>; label: string };

const predict = (request: APIRequestContext, file: string, headers: Record<string, string> = {}) =>
  request.post('/api/predict', {
    headers,
    multipart: { image: { name: path.basename(file), mimeType: 'image/jpeg', buffer: fs.readFileSync(path.join(FIX, file)) } },
  });

let firstRun = '';
const created: string[] = [];
let wasPromoted: string[] = [];
const promoteFixtureModel = async (seed?: number) => {
  const id = await createPromotedFixtureModel(DB_URL, MODELS, { seed });
  created.push(id);
  return id;
};

// This file starts without a promoted model and leaves the database as it found it (other specs share it).
test.beforeAll(async () => {
  const db = createDb(DB_URL);
  wasPromoted = (await db.run.findMany({ where: { promoted: true }, select: { id: true } })).map((r) => r.id);
  await db.run.updateMany({ where: { promoted: true }, data: { promoted: false } });
  await db.$disconnect();
});
test.afterAll(async () => {
  const db = createDb(DB_URL);
  await db.run.deleteMany({ where: { id: { in: created } } });
  if (wasPromoted.length) await db.run.updateMany({ where: { id: { in: wasPromoted } }, data: { promoted: true } });
  await db.$disconnect();
  for (const id of created) fs.rmSync(path.join(MODELS, id), { recursive: true, force: true });
});

test('the API and the model files refuse anonymous calls', async ({ playwright, baseURL }) => {
  const anon = await playwright.request.newContext({ baseURL });
  expect((await predict(anon, 'scenes/cdeb_pic1.jpg')).status()).toBe(401);
  expect((await predict(anon, 'scenes/cdeb_pic1.jpg', { Authorization: 'Bearer not-a-token' })).status()).toBe(401);
  expect((await anon.get('/api/models/promoted')).status()).toBe(401);
  await anon.dispose();
});

test('without a promoted model the preview says so and links to Training', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole('link', { name: 'Preview' }).first().click();
  await expect(page.getByTestId('no-model')).toContainText('No model is promoted yet');
  await expect(page.getByTestId('no-model').getByRole('link', { name: 'Training' })).toHaveAttribute('href', '/training');
  const res = await predict(page.request, 'scenes/cdeb_pic1.jpg');
  expect(res.status()).toBe(409);
});

test('a promoted model, default backend: the fake webcam shows every face tracked with a class, and fps', async ({ page }) => {
  test.setTimeout(240_000);
  firstRun = await promoteFixtureModel();
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/preview');
  await expect(page.getByTestId('model-run')).toHaveText(firstRun);
  // Headless Chromium has only software WebGL (SwiftShader): the page picks wasm and says why.
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', /^wasm/, { timeout: 60_000 });
  await expect(page.getByTestId('backend')).toContainText(/WebGL here runs in software \(.+\), WebAssembly is faster/);
  const results = page.getByTestId('face-result');
  await expect(results).toHaveCount(2, { timeout: 90_000 }); // the scene shows two people
  await expect(results.first()).not.toHaveAttribute('data-label', '', { timeout: 30_000 });
  await expect(results.nth(1)).not.toHaveAttribute('data-label', '', { timeout: 30_000 });
  for (const r of await results.all()) {
    await expect(r).toContainText(CLASS_RE);
    expect(await r.getAttribute('data-label')).toMatch(/^mask_/); // both wear masks
  }
  await expect(page.getByTestId('fps')).toHaveText(/^\d+\.\d fps$/);
  // Detection and classification run in two workers, off the page's thread (a worker that cannot start, e.g.
  // without the cross-origin headers its script needs, falls back to the page and says so).
  await expect(page.getByTestId('timings')).toContainText(/in two workers \(wasm, 1 thread each\)$/);
  // The legend counts the faces in view per class.
  const counts = await page.getByTestId('class-count').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
  await expect(page.getByTestId('legend')).toContainText('Mask, old');
});

test('default backend, photo mode: a 3-person photo is classified within 20 s of opening the page', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, ADMIN.email, ADMIN.password);
  const t0 = Date.now();
  await page.goto('/preview');
  await page.getByRole('button', { name: 'Photo' }).click();
  await expect(page.getByLabel('Photo', { exact: true })).toBeEnabled({ timeout: 20_000 }); // models loaded
  await page.getByLabel('Photo', { exact: true }).setInputFiles(path.join(FIX, 'scenes', 'cdeb_with_mask401.jpg'));
  await expect(page.getByTestId('photo-results')).toHaveAttribute('data-done-file', 'cdeb_with_mask401.jpg', { timeout: Math.max(1000, 20_000 - (Date.now() - t0)) });
  const seconds = (Date.now() - t0) / 1000;
  console.log(`default backend: page opened to 3-person photo classified in ${seconds.toFixed(1)} s (${await page.getByTestId('backend').getAttribute('data-backend')})`);
  expect(seconds).toBeLessThan(20);
  await expect(page.getByTestId('face-result')).toHaveCount(3);
  for (const r of await page.getByTestId('face-result').all()) await expect(r).toContainText(CLASS_RE);
});

test.describe('a webcam showing three people', () => {
  let browser: Browser;
  const y4m = path.join(__dirname, '.webcam', 'three-people.y4m');
  test.beforeAll(async () => {
    await makeY4m(path.join(FIX, 'scenes', 'cdeb_with_mask401.jpg'), y4m);
    browser = await chromium.launch({
      executablePath: process.env.MASKLAB_CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
    });
  });
  test.afterAll(async () => {
    await browser?.close();
  });

  test('three tracked faces keep their ids and classes refresh; C captures the frame with the model\'s suggestions', async ({ baseURL }) => {
    test.setTimeout(240_000);
    const page = await browser.newPage({ baseURL });
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto('/preview');
    const results = page.getByTestId('face-result');
    await expect(results).toHaveCount(3, { timeout: 90_000 });
    const tracked = async () =>
      results.evaluateAll((els) => els.map((e) => ({ track: e.getAttribute('data-track'), refreshes: Number(e.getAttribute('data-refreshes')), label: e.getAttribute('data-label') })));
    await expect.poll(async () => (await tracked()).every((f) => f.refreshes >= 1), { timeout: 30_000 }).toBe(true);
    const before = await tracked();
    expect(new Set(before.map((f) => f.track)).size).toBe(3);
    // Two seconds later: the same three faces (same ids), each classified again since.
    await page.waitForTimeout(2000);
    const after = await tracked();
    expect(after.map((f) => f.track).sort()).toEqual(before.map((f) => f.track).sort());
    for (const f of after) expect(f.refreshes, `face ${f.track}`).toBeGreaterThan(before.find((b) => b.track === f.track)!.refreshes);
    for (const r of await results.all()) await expect(r).toContainText(CLASS_RE);

    // Capture with the key: a camera photo with its faces, each with the promoted model's suggestion.
    const db = createDb(DB_URL);
    try {
      const cameraPhotos = () => db.photo.count({ where: { source: 'camera' } });
      const n0 = await cameraPhotos();
      await page.keyboard.press('c');
      await expect(page.getByTestId('capture-result')).toContainText(/Captured into the dataset: 3 faces, the model suggests/, { timeout: 60_000 });
      const photoId = (await page.getByTestId('capture-result').getAttribute('data-photo'))!;
      expect(await cameraPhotos()).toBe(n0 + 1);
      const photo = await db.photo.findUniqueOrThrow({ where: { id: photoId }, include: { faces: { include: { suggestion: true } } } });
      expect(photo.source).toBe('camera');
      expect(photo.faces).toHaveLength(3);
      const promoted = (await db.run.findFirstOrThrow({ where: { promoted: true } })).id;
      for (const f of photo.faces) {
        expect(f.label).toBeNull();
        expect(f.suggestion?.runId).toBe(promoted);
        expect(FIXTURE_CLASSES).toContain(f.suggestion!.label);
      }
      // The API shows the face with its suggestion, as the Label desk does.
      const api = await page.request.get(`/api/faces/${photo.faces[0].id}`);
      expect(((await api.json()) as { suggestion: { class: string } | null }).suggestion?.class).toBe(photo.faces[0].suggestion!.label);
    } finally {
      await db.$disconnect();
      await page.close();
    }
  });

  test('a viewer sees the preview without the capture control, and C captures nothing', async ({ baseURL }) => {
    test.setTimeout(180_000);
    const db = createDb(DB_URL);
    const viewer = { email: uniqueEmail('preview-viewer'), password: 'preview-viewer-pw-1' };
    await createUser(db, { ...viewer, role: 'viewer' });
    const page = await browser.newPage({ baseURL });
    try {
      await signIn(page, viewer.email, viewer.password);
      await page.goto('/preview');
      await expect(page.getByTestId('face-result')).toHaveCount(3, { timeout: 90_000 });
      await expect(page.getByRole('button', { name: /Capture/ })).toHaveCount(0);
      const n0 = await db.photo.count();
      await page.keyboard.press('c');
      await page.waitForTimeout(1500);
      expect(await db.photo.count()).toBe(n0);
      await expect(page.getByRole('button', { name: 'Full screen' })).toBeVisible();
    } finally {
      await page.close();
      await db.$disconnect();
    }
  });
});

/** `npm run cli -- predict --json` on the files, against the e2e server's database and models. */
function cliPredict(files: string[]): Map<string, ApiFace[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-e2e-predict-'));
  try {
    for (const f of files) fs.copyFileSync(path.join(FIX, f), path.join(dir, path.basename(f)));
    const out = execFileSync('npx', ['tsx', 'jobs/cli.ts', 'predict', dir, '--json'], {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, MASKLAB_DATA_DIR: DATA, MASKLAB_MODELS_DIR: MODELS, DATABASE_URL: '' },
      encoding: 'utf8',
    });
    const lines = out.split('\n').filter((l) => l.startsWith('{'));
    return new Map(lines.map((l) => JSON.parse(l) as { file: string; faces: ApiFace[] }).map((r) => [path.basename(r.file), r.faces]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('still images: the browser, the API and `cli predict` agree (same class, probabilities within 0.02)', async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/preview?backend=wasm');
  await page.getByRole('button', { name: 'Photo' }).click();
  await expect(page.getByLabel('Photo', { exact: true })).toBeEnabled({ timeout: 90_000 }); // models loaded
  let maxDiff = 0;
  const files = ['scenes/cdeb_pic1.jpg', 'scenes/cdeb_with_mask401.jpg', 'mask_old/cdeb_0932.jpg', 'nomask_young/fm12k_1828.jpg', 'nomask_old/fm12k_2167.jpg'];
  const cli = cliPredict(files);
  expect([...cli.keys()].sort()).toEqual(files.map((f) => path.basename(f)).sort());
  for (const file of files) {
    await page.getByLabel('Photo', { exact: true }).setInputFiles(path.join(FIX, file));
    await expect(page.getByTestId('photo-results')).toHaveAttribute('data-done-file', path.basename(file), { timeout: 60_000 });
    const browser = await page.getByTestId('face-result').evaluateAll((els) =>
      els.map((e) => ({ label: e.getAttribute('data-label')!, probs: JSON.parse(e.getAttribute('data-probs')!) as Record<string, number> })),
    );
    const res = await predict(page.request, file);
    expect(res.status()).toBe(200);
    const api = ((await res.json()) as { faces: ApiFace[] }).faces;
    expect(browser.length, file).toBeGreaterThan(0);
    for (const [who, server] of [['API', api], ['cli predict', cli.get(path.basename(file))!]] as const) {
      expect(server.length, `${who}: ${file}`).toBe(browser.length);
      server.forEach((s, i) => {
        expect(browser[i].label, `${who}: ${file} face ${i}`).toBe(s.label);
        for (const c of FIXTURE_CLASSES) {
          const diff = Math.abs(browser[i].probs[c] - s.probs[c]);
          maxDiff = Math.max(maxDiff, diff);
          expect(diff, `${who}: ${file} face ${i} ${c}`).toBeLessThan(0.02);
        }
      });
    }
    await expect(page.getByTestId('face-result').first()).toContainText(CLASS_RE);
  }
  console.log(`browser vs API and cli predict: largest probability difference ${maxDiff.toFixed(5)} over ${files.length} images`);
});

test('predict API: an API token works, bad images get 400 with a reason', async ({ playwright, baseURL }) => {
  const db = createDb(DB_URL);
  const admin = await db.user.findUniqueOrThrow({ where: { email: ADMIN.email } });
  const { token } = await createToken(db, admin.id, 'e2e predict');
  await db.$disconnect();
  const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const ok = await predict(api, 'scenes/cdeb_with_mask401.jpg');
  expect(ok.status()).toBe(200);
  const body = (await ok.json()) as { model: { runId: string }; faces: ApiFace[] };
  expect(body.faces).toHaveLength(3);
  for (const f of body.faces) {
    expect(f.wholeImage).toBe(false);
    expect(f.box.w).toBeGreaterThan(20);
    expect(Object.values(f.probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
  }
  const bad = await api.post('/api/predict', { multipart: { image: { name: 'x.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not a picture') } } });
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toMatch(/Cannot decode image/);
  const noFile = await api.post('/api/predict', { multipart: { other: 'x' } });
  expect(noFile.status()).toBe(400);
  expect(((await noFile.json()) as { error: string }).error).toMatch(/field named "image"/);
  const json = await api.post('/api/predict', { data: { image: 'x' } });
  expect(json.status()).toBe(400);
  await api.dispose();
});

test('an open preview switches to a newly promoted model without a reload', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/preview?backend=wasm');
  await expect(page.getByTestId('model-run')).toHaveText(firstRun);
  await expect(page.getByTestId('face-result').first()).toBeVisible({ timeout: 90_000 });
  const second = await promoteFixtureModel(11);
  await expect(page.getByTestId('model-run')).toHaveText(second, { timeout: 60_000 });
  await expect(page.getByTestId('face-result').first()).toContainText(CLASS_RE);
  // The head's files are served with long-lived cache headers.
  const res = await page.request.get(`/api/models/run/${second}/model.json`);
  expect(res.headers()['cache-control']).toContain('immutable');
});

for (const [name, testId, text] of [
  ['NotAllowedError', 'camera-denied', 'Camera access was denied'],
  ['NotFoundError', 'no-camera', 'No camera was found'],
] as const) {
  test(`camera ${name}: the page explains it and still classifies photos`, async ({ page }) => {
    test.setTimeout(120_000);
    // The browser's answer to getUserMedia when the user says no / there is no camera.
    await page.addInitScript((errorName) => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('refused', errorName));
    }, name);
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto('/preview?backend=wasm');
    await expect(page.getByTestId(testId)).toContainText(text, { timeout: 90_000 });
    await page.getByRole('button', { name: 'Photo' }).click();
    await page.getByLabel('Photo', { exact: true }).setInputFiles(path.join(FIX, 'mask_old', 'cdeb_0932.jpg'));
    await expect(page.getByTestId('photo-results')).toHaveAttribute('data-done-file', 'cdeb_0932.jpg', { timeout: 60_000 });
    await expect(page.getByTestId('face-result')).toHaveCount(1);
    await expect(page.getByTestId('face-result')).toContainText(CLASS_RE);
  });
}

test('default backend where WebGL claims a GPU but is slow: the page switches to wasm and says so, never hangs', async ({ page }) => {
  test.setTimeout(120_000);
  // The renderer string of a GPU, over headless Chromium's software WebGL (SwiftShader): the page tries WebGL.
  await page.addInitScript(() => {
    for (const C of [WebGLRenderingContext, WebGL2RenderingContext]) {
      const get = C.prototype.getParameter;
      C.prototype.getParameter = function (this: WebGLRenderingContext, p: number) {
        return p === 0x9246 /* UNMASKED_RENDERER_WEBGL */ ? 'Fake GPU 3000' : get.call(this, p);
      };
    }
  });
  await signIn(page, ADMIN.email, ADMIN.password);
  const t0 = Date.now();
  await page.goto('/preview');
  await page.getByRole('button', { name: 'Photo' }).click();
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', /^wasm/, { timeout: 60_000 });
  // Software WebGL takes minutes for a first inference: the switch after 5 s (or, were it quicker, the timing).
  await expect(page.getByTestId('backend')).toContainText(/switched from WebGL: it took more than 5 s for its first inference \(Fake GPU 3000\)|measured faster than WebGL on Fake GPU 3000/);
  await page.getByLabel('Photo', { exact: true }).setInputFiles(path.join(FIX, 'scenes', 'cdeb_with_mask401.jpg'));
  await expect(page.getByTestId('photo-results')).toHaveAttribute('data-done-file', 'cdeb_with_mask401.jpg', { timeout: 60_000 });
  await expect(page.getByTestId('face-result')).toHaveCount(3);
  console.log(`WebGL claiming a GPU: ${await page.getByTestId('backend').textContent()}; photo classified ${((Date.now() - t0) / 1000).toFixed(1)} s after opening the page`);
});
