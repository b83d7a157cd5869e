// Live preview in headless Chromium with the page's default backend (wasm where WebGL runs in software, as
// here), with 1 and 3 faces in a 30 frames/s fake webcam, and with 1 face plus mirror averaging (when the
// promoted model uses mirror test-time augmentation): rendered frames per second, and how often each tracked
// face's class is computed again (per face, from its `data-refreshes`), measured against a running app with a
// promoted model:
//   MASKLAB_BENCH_URL (default http://localhost:3000), MASKLAB_BENCH_EMAIL / MASKLAB_BENCH_PASSWORD
//   (default MASKLAB_ADMIN_EMAIL / MASKLAB_ADMIN_PASSWORD). A model can be promoted for a bench with
//   `npx tsx e2e/fixture-model.ts <DATABASE_URL> <models dir>`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { chromium } from 'playwright-core';
import { findChromium } from '../e2e/chromium';
import { makeY4m } from '../e2e/make-y4m';
import type { BenchRow } from './run';

const FIX = path.join(__dirname, '..', 'tests', 'fixtures', 'facemask');
const FACES = ['nomask_young/fm12k_1828.jpg', 'nomask_old/fm12k_2167.jpg', 'nomask_young/fm12k_2512.jpg'];
const WARM_FRAMES = 3;
const MEASURE_MS = 10_000;

/** A 640x480 webcam frame with `n` face photos (200 px tall) on a grey background. */
async function scene(n: number, out: string): Promise<void> {
  const side = n === 1 ? 220 : 200;
  const tiles = await Promise.all(
    FACES.slice(0, n).map(async (f, i) => ({
      input: await sharp(path.join(FIX, f)).resize(side, side, { fit: 'cover' }).toBuffer(),
      left: n === 1 ? 210 : 10 + i * 215,
      top: 130,
    })),
  );
  await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite(tiles)
    .png()
    .toFile(out);
}

async function measure(url: string, email: string, password: string, faces: number, dir: string, mirror: boolean): Promise<BenchRow[]> {
  const png = path.join(dir, `scene-${faces}.png`);
  const y4m = path.join(dir, `scene-${faces}.y4m`);
  await scene(faces, png);
  await makeY4m(png, y4m, 640, 480, 30, 30);
  const found = findChromium();
  if ('error' in found) throw new Error(found.error);
  const browser = await chromium.launch({
    executablePath: found.path,
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
  });
  try {
    const page = await browser.newPage({ baseURL: url });
    await signIn(page, email, password);
    await page.goto(`/preview${mirror ? '?mirror=1' : ''}`);
    const fps = page.getByTestId('fps');
    const frames = async () => Number(await fps.getAttribute('data-frames'));
    const t = Date.now();
    while ((await frames()) < WARM_FRAMES) {
      if (await page.getByTestId('no-model').isVisible()) throw new Error('no model is promoted in the app');
      if (Date.now() - t > 120_000) throw new Error('the preview did not start within 2 minutes');
      await page.waitForTimeout(250);
    }
    // Every face tracked and classified once before measuring.
    const results = page.getByTestId('face-result');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=face-result][data-refreshes]:not([data-refreshes="0"])').length >= n, faces, { timeout: 60_000 });
    const refreshes = async () =>
      new Map(
        await results.evaluateAll((els) => els.map((e) => [e.getAttribute('data-track') ?? '', Number(e.getAttribute('data-refreshes'))] as [string, number])),
      );
    const f0 = await frames();
    const r0 = await refreshes();
    const t0 = Date.now();
    await page.waitForTimeout(MEASURE_MS);
    const f1 = await frames();
    const r1 = await refreshes();
    const t1 = Date.now();
    const seconds = (t1 - t0) / 1000;
    // Faces tracked over the whole measurement: their classifications a second.
    const rates = [...r1].filter(([id]) => r0.has(id)).map(([id, n]) => (n - r0.get(id)!) / seconds);
    const seen = await results.count();
    const split = (await page.getByTestId('timings').textContent()) ?? '';
    const backend = (await page.getByTestId('backend').getAttribute('data-backend')) ?? '?';
    const mirrorOn = await page.getByRole('checkbox', { name: /mirror image/ }).isChecked().catch(() => false);
    const what = `${faces} face${faces > 1 ? 's' : ''}${mirrorOn ? ', mirror averaging' : ''} (headless Chromium, ${backend})`;
    const rate = (f1 - f0) / seconds;
    return [
      {
        benchmark: `preview fps, ${what}`,
        value: rate,
        unit: 'frames/s',
        goal: mirror ? undefined : '>= 20',
        note: `${seen} face(s) shown; 640x480 fake webcam at 30 frames/s; last frame: ${split}`,
      },
      {
        benchmark: `preview class refreshes per face, ${what}`,
        value: rates.length ? Math.min(...rates) : 'no face',
        unit: '/s (slowest face)',
        goal: mirror ? undefined : '>= 4',
        note: rates.length ? `per face: ${rates.map((r) => r.toFixed(1)).join(', ')} /s; ${r1.size} face(s) tracked at the end, ${r0.size} at the start` : '',
      },
    ];
  } finally {
    await browser.close();
  }
}

/**
 * The models alone in the same browser on this machine now, nothing else running in it: one detector pass and
 * one face through faceres, wasm, one thread (as in each of the preview's workers). The preview's figures depend on
 * the machine's speed at the time (noisy neighbours): read them against these.
 */
async function reference(url: string, email: string, password: string): Promise<BenchRow[]> {
  const found = findChromium();
  if ('error' in found) throw new Error(found.error);
  const browser = await chromium.launch({ executablePath: found.path, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ baseURL: url });
    await signIn(page, email, password);
    const files = await page.evaluate(async () => ((await (await fetch('/api/models/promoted')).json()) as { files: Record<string, string> }).files);
    await page.addScriptTag({ url: `${files.wasm}tf.min.js` });
    await page.addScriptTag({ url: `${files.wasm}tf-backend-wasm.min.js` });
    // A string, not a function: tsx would wrap the function's inner names in a helper the page does not have.
    const ms = (await page.evaluate(`(async (f) => {
      const tf = window.tf;
      tf.wasm.setWasmPaths(new URL(f.wasm, location.href).href);
      await tf.setBackend('wasm');
      await tf.ready();
      const [det, faceres] = await Promise.all([tf.loadGraphModel(f.detector), tf.loadGraphModel(f.backbone)]);
      const time = async (model, input, out) => {
        const run = async () => {
          const o = [model.execute(input, out)].flat();
          await Promise.all(o.map((t) => t.data()));
          tf.dispose(o);
        };
        for (let i = 0; i < 3; i++) await run();
        const t0 = performance.now();
        for (let i = 0; i < 20; i++) await run();
        return (performance.now() - t0) / 20;
      };
      return {
        detect: await time(det, tf.zeros([1, 256, 256, 3])),
        face: await time(faceres, tf.zeros([1, 224, 224, 3]), ['global_pooling/Mean', 'age_pred/Softmax', 'gender_pred/Sigmoid']),
      };
    })(${JSON.stringify(files)})`)) as { detect: number; face: number };
    const note = 'the models alone in this browser now (wasm, 1 thread): read the preview figures against these';
    return [
      { benchmark: 'reference: one detector pass alone', value: ms.detect, unit: 'ms', note },
      { benchmark: 'reference: one face through faceres alone', value: ms.face, unit: 'ms', note },
    ];
  } finally {
    await browser.close();
  }
}

async function signIn(page: import('playwright-core').Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user-menu').waitFor({ timeout: 30_000 });
}

export async function bench(): Promise<BenchRow[]> {
  const url = process.env.MASKLAB_BENCH_URL ?? 'http://localhost:3000';
  const email = process.env.MASKLAB_BENCH_EMAIL ?? process.env.MASKLAB_ADMIN_EMAIL ?? 'admin@masklab.local';
  const password = process.env.MASKLAB_BENCH_PASSWORD ?? process.env.MASKLAB_ADMIN_PASSWORD;
  const skip = (note: string): BenchRow[] => [{ benchmark: 'preview fps', value: 'skipped', unit: '', note }];
  if (!password) return skip('set MASKLAB_BENCH_PASSWORD (and MASKLAB_BENCH_URL, MASKLAB_BENCH_EMAIL) for a running app');
  try {
    await fetch(new URL('/login', url));
  } catch {
    return skip(`no app at ${url} (start one with npm start, promote a model, set MASKLAB_BENCH_URL)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-bench-preview-'));
  try {
    const rows: BenchRow[] = await reference(url, email, password);
    for (const [n, mirror] of [[1, false], [3, false], [1, true]] as const) rows.push(...(await measure(url, email, password, n, dir, mirror)));
    return rows;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
