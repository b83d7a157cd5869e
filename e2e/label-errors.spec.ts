// Label errors end to end: the labelled fixtures are imported, one label is flipped, the finder runs
// (CLI, as an admin would script it), the page lists the flipped face near the top, K keeps it (it
// leaves the list), and a number key relabels another face through the normal labelling path.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createDb } from '../lib/db';
import { ADMIN, E2E_DATA_DIR, FIXTURES, importWithCli, signIn } from './helpers';

function cli(args: string[]): string {
  return execFileSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, '..', 'jobs', 'cli.ts'), ...args], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, MASKLAB_DATA_DIR: E2E_DATA_DIR, MASKLAB_MODELS_DIR: path.join(E2E_DATA_DIR, 'models'), DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 600_000,
  });
}

test('a flipped label is found; K keeps a label and a number key relabels a face', async ({ page, baseURL }) => {
  test.setTimeout(900_000);
  expect(importWithCli(FIXTURES, ['--labels-from-folders'])).toMatchObject({ photos: 32, faces: 32 });
  const db = createDb('file:' + path.join(E2E_DATA_DIR, 'masklab.db'));
  const victim = await db.face.findFirstOrThrow({ where: { label: 'mask_old' }, orderBy: { id: 'asc' }, select: { id: true, photo: { select: { originalName: true } } } });
  await db.$disconnect();

  await signIn(page, ADMIN.email, ADMIN.password);
  // Flip one label through the labelling API (a mask_old face called nomask_young: both attributes wrong).
  const res = await page.request.post('/api/labels', { data: { faceIds: [victim.id], label: 'nomask_young' }, headers: { Origin: baseURL! } });
  expect(res.status()).toBe(200);

  // The finder, from the CLI: it waits for the job and prints the ranking, most suspicious first.
  const lines = cli(['label-errors', '--top', '5', '--json'])
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { faceId: string; file: string; label: string; suggested: string; score: number });
  expect(lines.length).toBe(5);
  expect(lines.slice(0, 3).map((l) => l.faceId)).toContain(victim.id);
  const found = lines.find((l) => l.faceId === victim.id)!;
  expect(found).toMatchObject({ file: victim.photo.originalName, label: 'nomask_young' });
  expect(found.score).toBeGreaterThan(0.5);

  // The page lists it near the top (all scored faces, so that there is a second one to relabel).
  await page.goto('/reviews/label-errors?all=1');
  const desk = page.getByTestId('label-errors');
  await expect(desk).toHaveAttribute('data-ready', 'true');
  const items = desk.getByTestId('label-error');
  const top3 = await items.evaluateAll((els) => els.slice(0, 3).map((e) => e.getAttribute('data-face-id')));
  expect(top3).toContain(victim.id);

  // K keeps the flipped face's label: it leaves the list.
  await desk.locator(`[data-face-id="${victim.id}"]`).click();
  await expect(desk.locator(`[data-face-id="${victim.id}"]`)).toHaveAttribute('data-current', 'true');
  await page.keyboard.press('k');
  await expect(desk.getByRole('status')).toContainText('Kept');
  await expect(desk.locator(`[data-face-id="${victim.id}"]`)).toHaveCount(0);

  // A number key relabels the first listed face, through the normal labelling path: key 2 (Mask,
  // young), or key 1 (Mask, old) when the face is already mask_young (then 2 would change nothing).
  const other = (await items.first().getAttribute('data-face-id'))!;
  const [key, name] = (await items.first().getAttribute('data-label')) === 'mask_young' ? ['1', 'Mask, old'] : ['2', 'Mask, young'];
  await items.first().click();
  await page.keyboard.press(key);
  await expect(desk.locator(`[data-face-id="${other}"]`)).toHaveCount(0);
  await page.goto(`/faces/${other}`);
  await expect(page.getByTestId('face-label')).toContainText(name);
  await expect(page.getByTestId('face-history').getByRole('listitem').first()).toContainText(name);

  // The Dashboard links to the page; an admin can queue a new search from it.
  await page.goto('/dashboard');
  await expect(page.getByTestId('open-label-errors')).toHaveText(/^\d+$/);
  await page.getByRole('link', { name: 'Review label errors' }).click();
  await expect(page.getByRole('heading', { name: 'Probable label errors' })).toBeVisible();
  await page.getByRole('button', { name: 'Find label errors' }).click();
  await expect(page.getByText(/Queued|already queued/)).toBeVisible();
});

test('the dataset map: computed by the worker, hover shows a face, a box opens its faces in the gallery', async ({ page }) => {
  test.setTimeout(600_000);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/dashboard');
  await page.getByRole('link', { name: 'Dataset map' }).click();
  await expect(page.getByRole('heading', { name: 'Dataset map', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Compute the map' }).click();
  await expect(page.getByText(/Queued|already being computed/)).toBeVisible();
  // The worker computes it (the features are cached by the label-error search); reload until it is there.
  const svg = page.getByTestId('map-svg');
  await expect(async () => {
    await page.reload();
    await expect(svg).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 300_000, intervals: [2000] });
  const points = svg.locator('circle');
  await expect(points).toHaveCount(32);
  await points.first().hover();
  await expect(page.getByTestId('map-hover').getByRole('img')).toBeVisible();

  // A box over the whole map selects every face; the gallery opens with exactly those.
  const box = (await svg.boundingBox())!;
  await page.mouse.move(box.x + 2, box.y + 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width - 2, box.y + box.height - 2, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('map-selected')).toHaveText('32 faces selected');
  await page.getByRole('link', { name: 'Open in the gallery' }).click();
  await expect(page.getByTestId('gallery-total')).toHaveText('32 faces');
});
