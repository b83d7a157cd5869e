import { expect, type Page, test } from '@playwright/test';
import { ADMIN, createUserViaUi, seedFaces, signIn, signOut, uniqueEmail } from './helpers';

const CLASSES = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'] as const;
type Cls = (typeof CLASSES)[number];

let faces: string[];
const labeler = { email: uniqueEmail('labeler'), password: 'labeler-password-1' };
const viewer = { email: uniqueEmail('viewer'), password: 'viewer-password-1' };
const second = { email: uniqueEmail('second'), password: 'second-password-1' };

test.beforeAll(async ({ browser }) => {
  faces = await seedFaces(12);
  const page = await browser.newPage();
  await signIn(page, ADMIN.email, ADMIN.password);
  await createUserViaUi(page, labeler.email, 'labeler', labeler.password);
  await createUserViaUi(page, viewer.email, 'viewer', viewer.password);
  await createUserViaUi(page, second.email, 'labeler', second.password);
  await page.close();
});

async function classCounts(page: Page): Promise<Record<Cls, number>> {
  await page.goto('/dashboard');
  const out = {} as Record<Cls, number>;
  for (const c of CLASSES) out[c] = Number(await page.getByTestId(`class-count-${c}`).innerText());
  return out;
}

const current = (page: Page) => page.getByTestId('label-face');

/** Opens a labelling page and waits until its keys work (hydrated). */
async function open(page: Page, url: string, desk = url.includes('view=grid') ? 'label-grid' : 'label-desk') {
  await page.goto(url);
  await expect(page.getByTestId(desk)).toHaveAttribute('data-ready', 'true');
}

async function waitSaved(page: Page) {
  await expect(page.getByTestId('label-status')).toHaveAttribute('data-pending', '0');
  await expect(page.getByTestId('label-status')).toContainText('All saved.');
}

test('a labeler labels 8 faces with the keys, the dashboard counts change by exactly that, and undo takes one back', async ({ page }) => {
  await signIn(page, labeler.email, labeler.password);
  const before = await classCounts(page);
  expect(Number(await page.getByTestId('count-unlabelled').innerText())).toBeGreaterThanOrEqual(12);

  await open(page, '/label');
  await expect(page.getByTestId('key-map')).toContainText('Mask, old');
  const keys = ['1', '2', '3', '4', '1', '1', '4', '2'];
  const want = { ...before };
  const labelled: string[] = [];
  for (const k of keys) {
    const id = await current(page).getAttribute('data-face-id');
    expect(id).toBeTruthy();
    labelled.push(id!);
    await page.keyboard.press(k);
    await expect(current(page)).not.toHaveAttribute('data-face-id', id!);
    want[CLASSES[Number(k) - 1]]++;
  }
  expect(new Set(labelled).size).toBe(8);
  expect(labelled.every((id) => faces.includes(id))).toBe(true);
  await waitSaved(page);
  expect(await classCounts(page)).toEqual(want);

  // S skips without labelling; Z undoes the last label and shows that face again.
  await open(page, '/label');
  const skipped = await current(page).getAttribute('data-face-id');
  await page.keyboard.press('s');
  await expect(current(page)).not.toHaveAttribute('data-face-id', skipped!);
  const last = (await current(page).getAttribute('data-face-id'))!;
  await page.keyboard.press('3');
  await expect(current(page)).not.toHaveAttribute('data-face-id', last);
  await waitSaved(page);
  expect((await classCounts(page)).nomask_old).toBe(want.nomask_old + 1);

  await open(page, '/label');
  await page.keyboard.press('z');
  await expect(current(page)).toHaveAttribute('data-face-id', last);
  await waitSaved(page);
  expect(await classCounts(page)).toEqual(want);

  // ArrowLeft goes back to the face just labelled, which can be relabelled.
  await open(page, '/label');
  const a = (await current(page).getAttribute('data-face-id'))!;
  await page.keyboard.press('x');
  await expect(current(page)).not.toHaveAttribute('data-face-id', a);
  await page.keyboard.press('ArrowLeft');
  await expect(current(page)).toHaveAttribute('data-face-id', a);
  await expect(current(page)).toContainText('Excluded');
  await waitSaved(page);

  // Bad requests get clear errors and change nothing.
  const bad = await page.request.post('/api/labels', { data: { faceId: faces[0], label: 'hat' } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error).toMatch(/label is one of mask_old, mask_young, nomask_old, nomask_young, excluded/);
  const missing = await page.request.post('/api/labels', { data: { faceId: 'no-such-face', label: 'mask_old' } });
  expect(missing.status()).toBe(404);
  expect((await missing.json()).error).toBe('No face with id no-such-face');

  // The face page shows the history, undo included.
  await page.goto(`/faces/${last}`);
  const history = page.getByTestId('face-history');
  await expect(history.locator('li')).toHaveCount(2);
  await expect(history.locator('li[data-kind=undo]')).toContainText('No mask, old → unlabelled');
  await expect(history.locator('li[data-kind=label]')).toContainText(`${labeler.email} labelled: unlabelled → No mask, old`);
});

test('a viewer sees the dashboard but cannot label: no menu entry, 403 page, 403 from the API', async ({ page }) => {
  const [face] = await seedFaces(1);
  await signIn(page, viewer.email, viewer.password);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Dashboard' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Label' })).toHaveCount(0);
  const res = await page.goto('/label');
  expect(res?.status()).toBe(403);
  await expect(page.getByTestId('label-face')).toHaveCount(0);

  const post = await page.request.post('/api/labels', { data: { faceIds: [face], label: 'mask_old' } });
  expect(post.status()).toBe(403);
  expect((await post.json()).error).toMatch(/labeler/);
  expect((await page.request.post('/api/labels/undo', { data: {} })).status()).toBe(403);
  expect((await page.request.get('/api/labels/queue')).status()).toBe(403);

  await page.goto(`/faces/${face}`);
  await expect(page.getByTestId('face-label')).toContainText('unlabelled');
  await expect(page.getByRole('group', { name: 'Change the label' })).toHaveCount(0);
  await signOut(page);
});

test('the grid labels a shift-selected range with one key', async ({ page }) => {
  await signIn(page, labeler.email, labeler.password);
  const before = await classCounts(page);
  await open(page, '/label?view=grid&label=unlabelled');
  const tiles = page.getByTestId('grid-face');
  await expect(tiles.first()).toBeVisible();
  const n = await tiles.count();
  expect(n).toBeGreaterThanOrEqual(3);
  await tiles.nth(0).click();
  await tiles.nth(2).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('grid-selected')).toHaveText('3 selected');
  await tiles.nth(1).click({ modifiers: ['Control'] });
  await expect(page.getByTestId('grid-selected')).toHaveText('2 selected');
  await page.keyboard.press('2');
  await expect(page.getByRole('status').filter({ hasText: 'Mask, young: 2 face(s) labelled' })).toBeVisible();
  await expect(tiles).toHaveCount(n - 2);
  const after = await classCounts(page);
  expect(after).toEqual({ ...before, mask_young: before.mask_young + 2 });
});

test('second opinions: asked by the admin, answered blind by another labeler, disagreement resolved by the admin', async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, ADMIN.email, ADMIN.password);
  await admin.goto('/reviews');
  await admin.getByLabel('Share of labelled faces (%)').fill('100');
  await admin.getByRole('button', { name: 'Ask for second opinions' }).click();
  await expect(admin.getByRole('status')).toContainText(/Asked for \d+ second opinion/);

  // The first labeler is never asked about their own faces.
  const first = await (await browser.newContext()).newPage();
  await signIn(first, labeler.email, labeler.password);
  await first.goto('/reviews');
  await expect(first.getByTestId('review-empty')).toBeVisible();

  const other = await (await browser.newContext()).newPage();
  await signIn(other, second.email, second.password);
  await other.goto('/label');
  await other.getByTestId('reviews-waiting').click();
  const shown = other.getByTestId('review-face');
  const faceId = (await shown.getAttribute('data-face-id'))!;
  await expect(other.getByText('unlabelled')).toHaveCount(0); // blind: no label on the page
  // Blind everywhere: the reviewer's face page shows neither the label nor its history.
  await other.goto(`/faces/${faceId}`);
  await expect(other.getByTestId('face-blind')).toBeVisible();
  await expect(other.getByTestId('face-history')).toHaveCount(0);
  await expect(other.getByRole('heading', { name: 'Change the label' })).toHaveCount(0);
  // The admin (no pending review) sees the first label; the test uses it to disagree.
  await admin.goto(`/faces/${faceId}`);
  const firstLabel = await admin.getByTestId('face-label').innerText();
  expect(firstLabel).toMatch(/Mask|mask/);
  await open(other, '/reviews', 'review-desk');
  await expect(shown).toHaveAttribute('data-face-id', faceId); // still claimed by this labeler
  await other.keyboard.press(firstLabel.includes('Mask, old') ? '2' : '1');
  await expect(other.locator(`[data-testid=review-face][data-face-id="${faceId}"]`)).toHaveCount(0);

  await admin.goto('/reviews');
  const row = admin.getByTestId(`disagreement-${faceId}`);
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'No mask, young' }).click();
  await expect(row).toHaveCount(0);
  await admin.goto(`/faces/${faceId}`);
  await expect(admin.getByTestId('face-label')).toContainText('No mask, young');
  await expect(admin.getByTestId('face-history').locator('li').first()).toContainText(`${ADMIN.email} resolved a disagreement`);
  await admin.goto('/dashboard');
  await expect(admin.getByTestId(`labeler-${labeler.email}`)).toContainText('0% of 1');
});
