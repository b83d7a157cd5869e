// Every page, with data in it, checked by axe (serious and critical violations fail) in light and dark,
// on a desktop and a 390 px phone; on the phone no page may be wider than the screen, with long names
// present (a 200-character file name, a long webhook URL). Then the phone menu, labelling on a phone,
// and the theme switch being remembered.
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, expect, type Page, test } from '@playwright/test';
import { createDb } from '../lib/db';
import { emitEvent } from '../lib/webhooks/events';
import { ADMIN, createUserViaUi, E2E_DATA_DIR, FIXTURES, importWithCli, seedFaces, seedRun, signIn, uniqueEmail } from './helpers';

test.describe.configure({ mode: 'serial' });

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const LONG_NAME = `${'a-very-long-photo-name-from-a-phone-camera-roll-'.repeat(5).slice(0, 196)}.jpg`; // 200 characters
const LONG_URL = `http://127.0.0.1:9/${'hooks/receiver-with-a-very-long-path-'.repeat(6)}end`;

/** MASKLAB_UI_SHOTS=<folder>: a full-page screenshot of every page in every mode, to look at. */
const SHOTS = process.env.MASKLAB_UI_SHOTS;

const viewer = { email: uniqueEmail('ui-viewer'), password: 'ui-viewer-password-1' };
let adminState: Awaited<ReturnType<BrowserContext['storageState']>>;
let viewerState: Awaited<ReturnType<BrowserContext['storageState']>>;
const ids = { face: '', photo: '', run: '' };

/** Every page under the signed-in layout, from the files (a new page is checked without editing this test). */
function appPages(): string[] {
  const root = path.join(__dirname, '..', 'app', '(app)');
  const out: string[] = [];
  const walk = (dir: string, route: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name), e.name.startsWith('(') ? route : `${route}/${e.name}`);
      else if (e.name === 'page.tsx') out.push(route || '/');
    }
  };
  walk(root, '');
  const params: Record<string, () => string> = { '/faces/[id]': () => ids.face, '/photos/[id]': () => ids.photo, '/training/[run]': () => ids.run };
  return out.sort().flatMap((r) => {
    if (!r.includes('[')) return [r];
    const p = params[r];
    if (!p) throw new Error(`ui.spec: no id to open ${r} with; add one to its params`);
    return [r.replace(/\[[^\]]+\]/, p())];
  });
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(300_000);
  // Labelled faces (charts, matrices), a few unlabelled ones (the label desk), a run, long names.
  importWithCli(FIXTURES, ['--labels-from-folders']);
  const dir = path.join(E2E_DATA_DIR, 'tmp', `ui-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, 'scenes', 'cdeb_pic2.jpg'), path.join(dir, LONG_NAME));
  expect(importWithCli(dir)).toMatchObject({ photos: 1 });
  fs.rmSync(dir, { recursive: true, force: true });
  await seedFaces(4);
  ids.run = await seedRun();
  const db = createDb('file:' + path.join(E2E_DATA_DIR, 'masklab.db'));
  try {
    const photo = await db.photo.findFirstOrThrow({ where: { originalName: { endsWith: LONG_NAME } }, include: { faces: { take: 1 } } });
    ids.photo = photo.id;
    ids.face = photo.faces[0].id;
    await db.webhook.create({ data: { url: LONG_URL, secret: 'e2e-ui-secret', events: JSON.stringify(['run.finished']) } });
    await emitEvent(db, 'run.finished', { runId: ids.run });
  } finally {
    await db.$disconnect();
  }

  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, ADMIN.email, ADMIN.password);
  await createUserViaUi(page, viewer.email, 'viewer', viewer.password);
  adminState = await ctx.storageState();
  await ctx.close();
  const vctx = await browser.newContext();
  await signIn(await vctx.newPage(), viewer.email, viewer.password);
  viewerState = await vctx.storageState();
  await vctx.close();
});

type Found = { id: string; impact: string; page: string; targets: string[]; help: string };

async function settle(page: Page) {
  await page.waitForLoadState('networkidle', { timeout: 2_000 }).catch(() => undefined); // pages that poll never go idle
}

async function audit(page: Page, where: string, found: Found[]) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  for (const v of violations) {
    if (v.impact !== 'serious' && v.impact !== 'critical') continue;
    found.push({ id: v.id, impact: v.impact, page: where, targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')), help: v.help });
  }
}

async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; widest: string }> {
  return page.evaluate(() => {
    let widest = '';
    let max = 0;
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const r = el.getBoundingClientRect();
      if (r.right > max) {
        max = r.right;
        widest = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${String(el.getAttribute('class') ?? '').split(' ').slice(0, 3).join('.')}`;
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, widest };
  });
}

const MODES = [
  { name: 'light, desktop', colorScheme: 'light', viewport: DESKTOP },
  { name: 'dark, desktop', colorScheme: 'dark', viewport: DESKTOP },
  { name: 'light, 390 px phone', colorScheme: 'light', viewport: PHONE },
  { name: 'dark, 390 px phone', colorScheme: 'dark', viewport: PHONE },
] as const;

async function context(browser: Browser, mode: (typeof MODES)[number], storageState?: typeof adminState) {
  return browser.newContext({ storageState, viewport: mode.viewport, colorScheme: mode.colorScheme });
}

for (const mode of MODES) {
  test(`every page passes axe (serious, critical)${mode.viewport === PHONE ? ' and fits the screen' : ''}: ${mode.name}`, async ({ browser }) => {
    test.setTimeout(600_000);
    const phone = mode.viewport === PHONE;
    const found: Found[] = [];
    const wide: string[] = [];
    const check = async (page: Page, where: string) => {
      await settle(page);
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${mode.name.replace(/[^a-z0-9]+/gi, '-')}${where.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
      await audit(page, where, found);
      if (phone) {
        const o = await overflow(page);
        if (o.scrollWidth > o.innerWidth) wide.push(`${where}: ${o.scrollWidth} px wide on a ${o.innerWidth} px screen (widest: ${o.widest})`);
      }
    };

    const admin = await context(browser, mode, adminState);
    const page = await admin.newPage();
    const urls = [...appPages(), '/gallery?view=photos', '/label?view=grid', '/no-such-page'];
    for (const url of urls) {
      const t0 = Date.now();
      const res = await page.goto(url);
      expect(res?.status(), url).toBe(url === '/no-such-page' ? 404 : 200);
      await check(page, url);
      console.log(`ui: ${mode.name} ${url} ${Date.now() - t0} ms`);
    }
    // The API docs forbid every script (CSP sandbox), axe's too: read them with the CSP bypassed.
    const docsCtx = await browser.newContext({ storageState: adminState, viewport: mode.viewport, colorScheme: mode.colorScheme, bypassCSP: true });
    const docs = await docsCtx.newPage();
    await docs.goto('/api/docs');
    await check(docs, '/api/docs');
    await docsCtx.close();
    // The user menu open (theme switch, links) and, on a phone, the main menu open.
    await page.goto('/');
    await page.getByTestId('user-menu').locator('summary').click();
    await check(page, '/ (user menu open)');
    if (phone) {
      await page.getByRole('button', { name: /^Menu/ }).click();
      await check(page, '/ (main menu open)');
      // A 200-character file name uploaded on the Collect page.
      await page.goto('/collect');
      const scene = mode.colorScheme === 'light' ? 'cdeb_pic1.jpg' : 'cdeb_with_mask401.jpg'; // new bytes each time
      await page.getByTestId('pick-files').setInputFiles({ name: LONG_NAME.replace('.jpg', '-2.jpg'), mimeType: 'image/jpeg', buffer: fs.readFileSync(path.join(FIXTURES, 'scenes', scene)) });
      await expect(page.getByTestId('upload-summary')).toContainText('1 added', { timeout: 90_000 });
      await check(page, '/collect (after uploading a long file name)');
    }
    await admin.close();

    const anon = await context(browser, mode);
    const login = await anon.newPage();
    await login.goto('/login');
    await check(login, '/login');
    await anon.close();

    const viewerCtx = await context(browser, mode, viewerState);
    const denied = await viewerCtx.newPage();
    await denied.goto('/admin/users');
    await expect(denied.getByTestId('forbidden')).toBeVisible();
    await check(denied, '/admin/users as a viewer (403)');
    await viewerCtx.close();

    const report = found.map((f) => `${f.id} (${f.impact}) on ${f.page}: ${f.help}\n    ${f.targets.join('\n    ')}`);
    expect(report, `axe, ${mode.name}:\n${report.join('\n')}`).toEqual([]);
    expect(wide, `wider than the screen, ${mode.name}:\n${wide.join('\n')}`).toEqual([]);
  });
}

test('on a phone the menu sits behind a button: it opens, navigates, closes; Escape closes it too', async ({ browser }) => {
  const ctx = await browser.newContext({ storageState: adminState, viewport: PHONE });
  const page = await ctx.newPage();
  await page.goto('/');
  const nav = page.getByRole('navigation', { name: 'Main' });
  const button = nav.getByRole('button', { name: /^Menu/ });
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(nav.getByRole('link', { name: 'Training' })).toBeHidden();

  await button.click();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await nav.getByRole('link', { name: 'Training' }).click();
  await expect(page).toHaveURL(/\/training$/);
  await expect(page.getByRole('heading', { name: 'Training', level: 1 })).toBeVisible();
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(nav.getByRole('link', { name: 'Gallery' })).toBeHidden();

  // Keyboard: Enter opens it, the links are reachable, Escape closes it and focus goes back to the button.
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('Tab');
  await expect(nav.getByRole('link', { name: 'Home' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(button).toBeFocused();
  await ctx.close();

  // On a desktop the links are all in view, and there is no menu button.
  const wide = await browser.newContext({ storageState: adminState, viewport: DESKTOP });
  const desk = await wide.newPage();
  await desk.goto('/');
  await expect(desk.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' })).toBeVisible();
  await expect(desk.getByRole('button', { name: /^Menu/ })).toBeHidden();
  await wide.close();
});

test('on a phone a face is labelled without scrolling: one picture for a whole-image sample, the classes under it; a swipe goes on', async ({ browser }) => {
  const ctx = await browser.newContext({ storageState: adminState, viewport: PHONE, hasTouch: true });
  const page = await ctx.newPage();
  await page.goto('/label?order=imported');
  await expect(page.getByTestId('label-desk')).toHaveAttribute('data-ready', 'true');
  const face = page.getByTestId('label-face');
  // Each labeller starts at their own point of the queue: step through it until both kinds were seen (the
  // seeded fixture faces are whole-image samples, the uploaded group photos' faces detected ones).
  const seen = { whole: 0, detected: 0 };
  for (let i = 0; i < 16 && !(seen.whole && seen.detected); i++) {
    const id = (await face.getAttribute('data-face-id'))!;
    const whole = (await face.innerText()).includes('(whole image)');
    seen[whole ? 'whole' : 'detected']++;
    await expect(page.getByTestId('label-images').getByRole('img'), 'a whole-image sample is shown once, a detected face beside its photo').toHaveCount(whole ? 1 : 2);
    for (const b of ['label-button-mask_old', 'label-button-mask_young', 'label-button-nomask_old', 'label-button-nomask_young', 'label-button-excluded']) {
      const box = (await page.getByTestId(b).boundingBox())!;
      expect(box.y + box.height, `${b} is on the first screen (${whole ? 'whole image' : 'detected face'})`).toBeLessThanOrEqual(PHONE.height);
      expect(box.height, `${b} is a large tap target`).toBeGreaterThanOrEqual(44);
    }
    await page.getByRole('button', { name: 'Next face' }).tap();
    await expect(face).not.toHaveAttribute('data-face-id', id);
  }
  expect(seen.whole && seen.detected, JSON.stringify(seen)).toBeTruthy();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

  // A tap labels and shows the next face. The loop skipped faces, and skipped faces come back only when the
  // queue is loaded again: without a reload, a small queue can end at the face the tap labels.
  await page.goto('/label?order=imported');
  await expect(page.getByTestId('label-desk')).toHaveAttribute('data-ready', 'true');
  const first = (await face.getAttribute('data-face-id'))!;
  await page.getByTestId('label-button-nomask_young').tap();
  await expect(face).not.toHaveAttribute('data-face-id', first);
  await expect(page.getByTestId('label-status')).toContainText('Labelled this session: 1');

  // Swipe left: the next face without labelling; swipe right: back.
  const second = (await face.getAttribute('data-face-id'))!;
  const swipe = async (from: number, to: number) => {
    const images = page.getByTestId('label-images');
    const b = (await images.boundingBox())!;
    const y = b.y + b.height / 2;
    await images.dispatchEvent('pointerdown', { pointerType: 'touch', clientX: b.x + from * b.width, clientY: y, isPrimary: true });
    await images.dispatchEvent('pointerup', { pointerType: 'touch', clientX: b.x + to * b.width, clientY: y, isPrimary: true });
  };
  await swipe(0.8, 0.2);
  await expect(face).not.toHaveAttribute('data-face-id', second);
  await swipe(0.2, 0.8);
  await expect(face).toHaveAttribute('data-face-id', second);
  await expect(page.getByTestId('label-status')).toContainText('Labelled this session: 1');
  await ctx.close();
});

test('the theme switch is remembered across reloads; System follows the device', async ({ browser }) => {
  const ctx = await browser.newContext({ storageState: adminState, viewport: DESKTOP, colorScheme: 'light' });
  const page = await ctx.newPage();
  await page.goto('/gallery');
  const html = page.locator('html');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  const choose = async (name: string) => {
    await page.getByTestId('user-menu').locator('summary').click();
    await page.getByTestId('theme-switch').getByText(name, { exact: true }).click();
  };

  await choose('Dark');
  await expect(html).toHaveClass(/\bdark\b/);
  const dark = await background();
  expect(dark).not.toBe(light);
  await page.reload();
  await expect(html).toHaveClass(/\bdark\b/); // rendered so by the server: no flash of light
  expect(await background()).toBe(dark);
  await page.getByTestId('user-menu').locator('summary').click();
  await expect(page.getByTestId('theme-switch').getByRole('radio', { name: 'Dark' })).toBeChecked();

  // System: no class; the device's dark preference then gives the dark colours.
  await page.getByTestId('theme-switch').getByText('System', { exact: true }).click();
  await expect(html).not.toHaveClass(/\b(dark|light)\b/);
  await page.reload();
  expect(await background()).toBe(light);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await background()).toBe(dark);
  // Light wins over a dark device.
  await choose('Light');
  await page.reload();
  await expect(html).toHaveClass(/\blight\b/);
  expect(await background()).toBe(light);
  await ctx.close();
});

test('the account menu links to the API documentation', async ({ browser }) => {
  const ctx = await browser.newContext({ storageState: adminState });
  const page = await ctx.newPage();
  await page.goto('/');
  await page.getByTestId('user-menu').locator('summary').click();
  await page.getByTestId('user-menu').getByRole('link', { name: 'API documentation' }).click();
  await expect(page).toHaveURL(/\/api\/docs$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('masklab');
  await ctx.close();
});
