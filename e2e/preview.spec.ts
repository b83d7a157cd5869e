// The live preview and the predict API, with a small model promoted by `e2e/fixture-model.ts`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { ADMIN, signIn } from './helpers';
import { createPromotedFixtureModel, FIXTURE_CLASSES } from './fixture-model';
import { CLASS_NAMES } from '../lib/classes';
import { createDb } from '../lib/db';
import { createToken } from '../lib/auth/tokens';

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

test('a promoted model: the fake webcam shows every face with a class, and fps', async ({ page }) => {
  test.setTimeout(240_000);
  firstRun = await promoteFixtureModel();
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/preview?backend=wasm');
  await expect(page.getByTestId('model-run')).toHaveText(firstRun);
  const results = page.getByTestId('face-result');
  await expect(results).toHaveCount(2, { timeout: 90_000 }); // the scene shows two people
  for (const r of await results.all()) {
    await expect(r).toContainText(CLASS_RE);
    expect(await r.getAttribute('data-label')).toMatch(/^mask_/); // both wear masks
  }
  await expect(page.getByTestId('fps')).toHaveText(/^\d+\.\d fps$/);
  await expect(page.getByText(/^Backend: wasm/)).toBeVisible();
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
