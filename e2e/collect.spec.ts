import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { makeZip } from '../tests/helpers/zip';
import { ADMIN, signIn } from './helpers';

const FIX = path.join(__dirname, '..', 'tests', 'fixtures', 'facemask');

test.describe.configure({ mode: 'serial' });

test('upload a folder and a zip, follow the progress, see the results and the faces in the gallery', async ({ page }) => {
  // A folder as a user would pick it: 3 face crops, a group photo, a stray text file.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-e2e-'));
  const folder = path.join(dir, 'trip');
  fs.mkdirSync(path.join(folder, 'day1'), { recursive: true });
  fs.copyFileSync(path.join(FIX, 'scenes', 'cdeb_pic2.jpg'), path.join(folder, 'group.jpg'));
  for (const f of fs.readdirSync(path.join(FIX, 'nomask_young')).slice(0, 3)) fs.copyFileSync(path.join(FIX, 'nomask_young', f), path.join(folder, 'day1', f));
  fs.writeFileSync(path.join(folder, 'notes.jpg'), 'this is not a photo');

  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Collect' }).click();
  await expect(page).toHaveURL(/\/collect$/);
  await page.getByTestId('pick-folder').setInputFiles(folder);

  await expect(page.getByTestId('overall-progress')).toBeVisible();
  await expect(page.getByTestId('upload-row')).toHaveCount(5);
  await expect(page.getByTestId('overall-count')).toHaveText('5 of 5 done', { timeout: 90_000 });
  await expect(page.getByTestId('upload-summary')).toContainText('4 added (6 faces), 0 duplicates, 1 rejected');
  await expect(page.locator('[data-file="trip/group.jpg"]')).toContainText('Added with 3 faces');
  await expect(page.locator('[data-file="trip/notes.jpg"]')).toContainText('Rejected: not an image: it looks like text');
  await expect(page.locator('[data-file="trip/day1/' + fs.readdirSync(path.join(FIX, 'nomask_young'))[0] + '"]')).toContainText('Added with 1 face');
  expect(await page.getByTestId('overall-progress').evaluate((p: HTMLProgressElement) => p.value === p.max)).toBe(true);

  // A zip labelled as one class, with one unsafe entry and a file already uploaded.
  const maskOld = fs.readdirSync(path.join(FIX, 'mask_old')).slice(0, 2);
  const zip = makeZip([
    ...maskOld.map((f) => ({ name: `masked/${f}`, data: fs.readFileSync(path.join(FIX, 'mask_old', f)) })),
    { name: '../escape.jpg', data: fs.readFileSync(path.join(FIX, 'mask_old', maskOld[0])) },
    { name: 'again/group.jpg', data: fs.readFileSync(path.join(FIX, 'scenes', 'cdeb_pic2.jpg')) },
  ]);
  await page.getByLabel('Label all as').selectOption('mask_old');
  await page.getByTestId('pick-files').setInputFiles({ name: 'masked.zip', mimeType: 'application/zip', buffer: zip });
  const zipRow = page.locator('[data-file="masked.zip"]');
  await expect(zipRow.getByTestId('zip-summary')).toHaveText('2 added, 1 duplicates, 1 rejected', { timeout: 90_000 });
  await expect(zipRow).toContainText('masked.zip/../escape.jpg');
  await expect(zipRow).toContainText('unsafe path in zip');
  await expect(zipRow).toContainText('already stored as trip/group.jpg');
  await expect(page.getByTestId('overall-count')).toHaveText('6 of 6 done');

  // The gallery shows the faces: 6 from the folder + 2 labelled from the zip.
  await page.getByRole('link', { name: 'See them in the gallery' }).click();
  await expect(page).toHaveURL(/\/gallery$/);
  await expect(page.getByTestId('gallery-total')).toHaveText('8 faces');
  await expect(page.getByTestId('gallery-face')).toHaveCount(8);
  const img = page.getByTestId('gallery-face').first().locator('img');
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(0);
  await page.getByLabel('Label', { exact: true }).selectOption('mask_old');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByTestId('gallery-total')).toHaveText('2 faces');
  await page.goto('/gallery?label=unlabelled');
  await expect(page.getByTestId('gallery-total')).toHaveText('6 faces');
  await page.goto('/gallery?view=photos');
  await expect(page.getByTestId('gallery-photo')).toHaveCount(6);

  // The group photo's page draws its 3 face boxes; its uploader deletes it.
  await page.getByTestId('gallery-photo').filter({ hasText: 'trip/group.jpg' }).click();
  await expect(page.getByTestId('face-count')).toHaveText('3 samples');
  await expect(page.getByTestId('face-boxes').getByTestId('face-box')).toHaveCount(3); // the box editor draws each face as a box
  await expect(page.getByTestId('photo-face')).toHaveCount(3);
  const photoUrl = page.url();
  const photoId = photoUrl.split('/').pop();
  const served = await page.request.get(`/api/photos/${photoId}/image`);
  expect(served.headers()['content-type']).toBe('image/jpeg');
  expect(served.headers()['cache-control']).toContain('max-age');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete photo' }).click();
  await expect(page).toHaveURL(/\/gallery\?view=photos/);
  await expect(page.getByTestId('gallery-photo')).toHaveCount(5);
  expect((await page.request.get(`/api/photos/${photoId}/image`)).status()).toBe(404);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A JPEG of random noise (it barely compresses) with a fixture face in the middle: a valid photo of ~`w`×`h`×1.2 bytes. */
async function noisyPhoto(face: Buffer, w: number, h: number, format: 'jpeg' | 'png'): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  const crypto = await import('node:crypto');
  const side = Math.round(Math.min(w, h) * 0.4);
  const img = sharp(crypto.randomBytes(w * h * 3), { raw: { width: w, height: h, channels: 3 } }).composite([
    { input: await sharp(face).resize(side, side).toBuffer(), left: Math.round((w - side) / 2), top: Math.round((h - side) / 2) },
  ]);
  return format === 'png' ? img.png({ compressionLevel: 0 }).toBuffer() : img.jpeg({ quality: 100 }).toBuffer();
}

test('a zip over 40 MB and a photo over 15 MB go through whole; the zip imports in the background with progress', async ({ page }) => {
  test.setTimeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-e2e-big-'));
  const faces = fs.readdirSync(path.join(FIX, 'mask_young')).map((f) => fs.readFileSync(path.join(FIX, 'mask_young', f)));
  const ENTRIES = 8;
  const entries = [];
  for (let i = 0; i < ENTRIES; i++) entries.push({ name: `big/p${i}.jpg`, data: await noisyPhoto(faces[i % faces.length], 2400, 2000, 'jpeg'), deflate: false });
  const zipFile = path.join(dir, 'big.zip');
  fs.writeFileSync(zipFile, makeZip(entries));
  const photoFile = path.join(dir, 'huge.png');
  fs.writeFileSync(photoFile, await noisyPhoto(faces[0], 2600, 2300, 'png'));
  expect(fs.statSync(zipFile).size).toBeGreaterThan(40 * 1024 * 1024);
  expect(fs.statSync(photoFile).size).toBeGreaterThan(15 * 1024 * 1024);

  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/collect');
  await page.getByLabel('Label all as').selectOption('mask_young');
  await page.getByTestId('pick-files').setInputFiles([zipFile, photoFile]);

  // The zip is stored, then imported by the worker: entries done / total.
  const zipRow = page.locator('[data-file="big.zip"]');
  await expect(zipRow.getByTestId('zip-progress')).toContainText(new RegExp(`Importing: \\d+ / ${ENTRIES} entries`), { timeout: 60_000 });
  await expect(page.locator('[data-file="huge.png"]')).toContainText(/Added with \d+ faces?/, { timeout: 90_000 });
  await expect(zipRow.getByTestId('zip-summary')).toHaveText(`${ENTRIES} added, 0 duplicates, 0 rejected`, { timeout: 110_000 });
  await expect(page.getByTestId('overall-count')).toHaveText('2 of 2 done');
  const summary = (await page.getByTestId('upload-summary').textContent()) ?? '';
  const m = /^(\d+) added \((\d+) faces?\), 0 duplicates, 0 rejected/.exec(summary);
  expect(m?.[1]).toBe(String(ENTRIES + 1));

  // Back on the page later (the tab was closed): the import is listed with its counts.
  await page.goto('/collect');
  await expect(page.getByTestId('recent-import').filter({ hasText: 'big.zip' }).first()).toContainText(`${ENTRIES} entries: ${ENTRIES} added`);

  // Every face of both is in the gallery under the chosen class (no other test uses it).
  await page.goto('/gallery?label=mask_young');
  await expect(page.getByTestId('gallery-total')).toHaveText(`${m?.[2]} faces`);

  // Through the API, a single photo over MASKLAB_MAX_UPLOAD_MB (25) is refused whole, naming the limit.
  const tooBig = await page.request.post('/api/photos', {
    multipart: { files: { name: 'too-big.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(26 * 1024 * 1024, 0xff) } },
  });
  expect(tooBig.status()).toBe(413);
  expect((await tooBig.json()).error).toMatch(/over the 25 MB limit/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the camera page captures a frame of the chosen class through the same pipeline', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/collect/camera');
  await expect(page.getByRole('button', { name: 'Start camera' })).toBeDisabled();
  await page.getByLabel('Class of the people in view').selectOption('nomask_old');
  await page.getByRole('button', { name: 'Start camera' }).click();
  await expect(page.getByRole('button', { name: 'Take photo' })).toBeEnabled();
  await expect.poll(() => page.getByLabel('Camera preview').evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Take photo' }).click();
  await expect(page.getByTestId('camera-summary')).toContainText(/1 taken · 1 added \([1-9] faces?\)/, { timeout: 60_000 });
  await page.goto('/gallery?label=nomask_old');
  await expect(page.getByTestId('gallery-face').first()).toBeVisible();
});

test('a folder of 1,000 files goes through in chunks, every file gets a result', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-e2e-many-'));
  const folder = path.join(dir, 'many');
  fs.mkdirSync(folder);
  // 999 non-images (refused quickly, so the test stays short) and one real photo.
  for (let i = 0; i < 999; i++) fs.writeFileSync(path.join(folder, `f${String(i).padStart(4, '0')}.jpg`), `not a photo ${i}\n`.repeat(50));
  fs.copyFileSync(path.join(FIX, 'nomask_old', fs.readdirSync(path.join(FIX, 'nomask_old'))[0]), path.join(folder, 'real.jpg'));
  const posts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/photos')) posts.push(r.url());
  });
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/collect');
  await page.getByTestId('pick-folder').setInputFiles(folder);
  await expect(page.getByTestId('overall-count')).toHaveText('1000 of 1000 done', { timeout: 110_000 });
  await expect(page.getByTestId('upload-summary')).toContainText(/^1 added \(1 face\), 0 duplicates, 999 rejected|^0 added \(0 faces\), 1 duplicates, 999 rejected/);
  expect(posts.length).toBeGreaterThanOrEqual(200); // at most 5 files a request
  expect(posts.length).toBeLessThan(1000);
  fs.rmSync(dir, { recursive: true, force: true });
});
