// Fixing face boxes on a photo's page: draw a box with the mouse to add a missed face (its crop
// appears), move it with the keyboard (a new crop, the history says so), delete it.
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createDb } from '../lib/db';
import { ADMIN, E2E_DATA_DIR, FIXTURES, importWithCli, signIn } from './helpers';

test('draw a missed face, move it with the keyboard, delete it', async ({ page }) => {
  const summary = importWithCli(path.join(FIXTURES, 'scenes', 'cdeb_pic1.jpg'));
  expect(summary.photos).toBe(1);
  const db = createDb('file:' + path.join(E2E_DATA_DIR, 'masklab.db'));
  const photo = await db.photo
    .findFirstOrThrow({ where: { originalName: { endsWith: 'cdeb_pic1.jpg' } }, include: { faces: true } })
    .finally(() => db.$disconnect());
  const detected = photo.faces.length;

  // A free spot for a 60 px face: its start point is on no existing box.
  const inside = (x: number, y: number) => photo.faces.some((f) => x >= f.x - 10 && x <= f.x + f.w + 10 && y >= f.y - 10 && y <= f.y + f.h + 10);
  let spot: { x: number; y: number } | null = null;
  for (let y = 20; y < photo.height - 90 && !spot; y += 20) {
    for (let x = 20; x < photo.width - 90 && !spot; x += 20) if (!inside(x, y) && !inside(x + 60, y + 60) && !inside(x + 30, y + 30)) spot = { x, y };
  }
  expect(spot).not.toBeNull();

  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto(`/photos/${photo.id}`);
  const boxes = page.getByTestId('face-box');
  const samples = page.getByTestId('photo-face');
  await expect(boxes).toHaveCount(detected);
  await expect(samples).toHaveCount(detected);

  // Draw: photo pixels → screen pixels of the displayed photo.
  const area = (await page.getByTestId('face-boxes').boundingBox())!;
  const at = (x: number, y: number) => [area.x + (x / photo.width) * area.width, area.y + (y / photo.height) * area.height] as const;
  await page.mouse.move(...at(spot!.x, spot!.y));
  await page.mouse.down();
  await page.mouse.move(...at(spot!.x + 30, spot!.y + 30), { steps: 3 });
  await expect(page.getByTestId('drawn-box')).toBeVisible();
  await page.mouse.move(...at(spot!.x + 60, spot!.y + 60), { steps: 3 });
  await page.mouse.up();

  await expect(page.getByTestId('box-status')).toContainText('Face added');
  await expect(boxes).toHaveCount(detected + 1);
  await expect(samples).toHaveCount(detected + 1);
  // the new face's crop, cut by the server, is shown
  const known = new Set(photo.faces.map((f) => f.id));
  const ids = await boxes.evaluateAll((els) => els.map((e) => e.getAttribute('data-face-id')!));
  const newId = ids.find((id) => !known.has(id))!;
  const crop = page.locator(`img[src^="/api/faces/${newId}/image"]`);
  await expect(crop).toHaveAttribute('src', `/api/faces/${newId}/image?v=${detected}`);
  await expect.poll(() => crop.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(0);

  // Move it with the keyboard: select it, three steps right; saved when the keys rest.
  const box = page.locator(`[data-testid="face-box"][data-face-id="${newId}"]`);
  const xOf = async () => Number(/box x (\d+)/.exec((await box.getAttribute('aria-label'))!)![1]);
  const x0 = await xOf();
  await box.focus();
  await expect(box).toHaveAttribute('aria-pressed', 'true');
  for (let i = 0; i < 3; i++) await box.press('ArrowRight');
  await expect(page.getByTestId('box-status')).toContainText(`saved`);
  // a new crop (a new version), and the box is further right
  await expect(page.locator(`img[src="/api/faces/${newId}/image?v=${detected + 1}"]`)).toBeVisible();
  expect(await xOf()).toBeGreaterThan(x0);
  // the numbers fallback shows the selected box
  await expect(page.getByTestId('box-form').getByLabel('x (left)')).toHaveValue(String(await xOf()));

  // Its history on the face's page.
  await page.goto(`/faces/${newId}`);
  const history = page.getByTestId('face-history');
  await expect(history.locator('[data-kind="box-added"]')).toContainText('box added by');
  await expect(history.locator('[data-kind="box-moved"]')).toContainText('box moved by');

  // Delete it: Delete on the selected box, confirmed.
  await page.goto(`/photos/${photo.id}`);
  await box.focus();
  page.once('dialog', (d) => {
    expect(d.message()).toContain('Delete face');
    void d.accept();
  });
  await box.press('Delete');
  await expect(page.getByTestId('box-status')).toContainText('deleted');
  await expect(boxes).toHaveCount(detected);
  await expect(samples).toHaveCount(detected);
  expect((await page.request.get(`/api/faces/${newId}`)).status()).toBe(404);
});
