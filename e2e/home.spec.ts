// Home is the project's state and each role's next step; dead ends link onward; a job's page
// updates by itself when the job ends; a run on the fixtures says its numbers are too few to tell.
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { createDb } from '../lib/db';
import { ADMIN, createUserViaUi, E2E_DATA_DIR, FIXTURES, importWithCli, seedFaces, signIn, signOut, uniqueEmail } from './helpers';

const labeler = { email: uniqueEmail('home-labeler'), password: 'labeler-password-1' };
const viewer = { email: uniqueEmail('home-viewer'), password: 'viewer-password-1' };

const next = (page: Page) => page.getByTestId('next-action');

test.describe.configure({ mode: 'serial' });

test('Home shows the counts and each role’s next step; dead ends link onward', async ({ page }) => {
  test.setTimeout(300_000);
  expect(importWithCli(FIXTURES, ['--labels-from-folders'])).toMatchObject({ photos: 32, faces: 32 }); // 8 labelled per class
  await seedFaces(3); // 3 unlabelled
  await signIn(page, ADMIN.email, ADMIN.password);
  await createUserViaUi(page, labeler.email, 'labeler', labeler.password);
  await createUserViaUi(page, viewer.email, 'viewer', viewer.password);
  // An admin's own row explains why it offers no Disable.
  await expect(page.getByTestId(`user-row-${ADMIN.email}`).getByTestId('no-self-disable')).toContainText('cannot disable your own account');
  await expect(page.getByTestId(`user-row-${ADMIN.email}`).getByRole('button', { name: 'Disable' })).toHaveCount(0);

  await page.goto('/');
  await expect(page.getByTestId('home-photos')).toHaveText('35');
  await expect(page.getByTestId('home-unlabelled')).toHaveText('3');
  const classes = page.getByTestId('home-classes');
  await expect(classes.getByRole('row', { name: /Mask, old/ })).toContainText('8');
  await expect(classes.getByRole('row', { name: /Mask, old/ })).toContainText('below minimum');
  await expect(page.getByTestId('step-train')).toContainText('No run yet');
  await expect(next(page).getByRole('heading')).toHaveText('Label 3 faces');
  await signOut(page);

  // A viewer: ask an admin; a labeller's page is a 403 that keeps the menu and names the role.
  await signIn(page, viewer.email, viewer.password);
  await expect(next(page).getByRole('heading')).toHaveText(/Ask an admin for the labeler role/);
  const res = await page.goto('/label');
  expect(res?.status()).toBe(403);
  await expect(page.getByTestId('forbidden-role')).toContainText('needs the labeler role');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' })).toBeVisible();
  await signOut(page);

  // A labeller: label the 3 faces from Home, with the count of faces left going down; the end of the queue points on.
  await signIn(page, labeler.email, labeler.password);
  await expect(next(page).getByRole('heading')).toHaveText('Label 3 faces');
  await next(page).getByRole('link', { name: 'Label them now' }).click();
  await expect(page.getByTestId('label-desk')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('label-left')).toHaveText('3 faces left to label');
  await page.keyboard.press('1');
  await expect(page.getByTestId('label-left')).toHaveText('2 faces left to label');
  await page.keyboard.press('2');
  await page.keyboard.press('3');
  await expect(page.getByTestId('label-left')).toHaveText('0 faces left to label');
  await expect(page.getByTestId('label-status')).toHaveAttribute('data-pending', '0');
  await expect(page.getByTestId('label-done-next').getByRole('link', { name: 'dashboard' })).toBeVisible();
  await page.goto('/');
  await expect(page.getByTestId('home-unlabelled')).toHaveText('0');
  await expect(next(page).getByRole('heading')).toHaveText(/^Collect \d+ more faces of /);
  // Training: no Retrain, and why.
  await page.goto('/training');
  await expect(page.getByTestId('no-retrain-why')).toContainText('for admins; you are signed in as labeler');
  await expect(page.getByRole('button', { name: 'Retrain' })).toHaveCount(0);
  await signOut(page);

  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(next(page).getByRole('heading')).toHaveText('Retrain');
  await expect(next(page)).toContainText('Below 30 faces per class');
});

test('a label-error search queued on its page shows its result there without a reload', async ({ page }) => {
  test.setTimeout(400_000);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/reviews/label-errors');
  await expect(page.getByTestId('label-errors-empty')).toContainText('nobody has searched');
  await expect(page.getByTestId('label-errors-caveat')).toContainText('many flagged labels are correct');
  await page.getByRole('button', { name: 'Find label errors' }).click();
  // While it is queued or running the page says so, not "no results"...
  await expect(page.getByTestId('label-errors-job')).toContainText(/queued|running/);
  await expect(page.getByTestId('label-errors-searching')).toContainText('appear here when it ends');
  // ...and it ends on this page, no reload.
  await expect(page.getByTestId('label-errors-job')).toContainText('succeeded', { timeout: 300_000 });
  await expect(page.getByTestId('label-errors-searching')).toHaveCount(0);
});

test('a retrain on the fixtures: the page follows it to the end, the run says its numbers are too few, promotion asks first', async ({ page }) => {
  test.setTimeout(400_000);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/training');
  await expect(page.getByTestId('small-data-note')).toContainText('Too little data for a meaningful retrain');
  const notSplit = page.getByTestId('split-counts').getByRole('row', { name: /^Mask, old/ }).getByRole('cell').last();
  await expect(notSplit).not.toHaveText('0');
  await page.getByRole('button', { name: 'Retrain' }).click();
  await expect(page.getByTestId('job-state')).toHaveText('succeeded', { timeout: 300_000 });
  // Without a reload: the split table has split every face, and the finished bar is full.
  await expect(notSplit).toHaveText('0');
  const bar = page.locator('#epoch-progress');
  const max = await bar.getAttribute('max');
  expect(Number(max)).toBeGreaterThan(0);
  await expect(bar).toHaveAttribute('value', max!);
  await expect(page.getByTestId('runs')).toContainText('95%:');

  await page.getByTestId('runs').getByRole('link').first().click();
  await expect(page.getByTestId('small-sample-warning')).toContainText("This run's test split is too small to tell");
  await expect(page.getByTestId('metric-interval').first()).toHaveText(/^95% interval \d+\.\d–\d+\.\d%$/);
  await expect(page.getByTestId('per-class')).toContainText('Recall, 95% interval');
  const runId = page.url().split('/').pop()!;

  // The first run was promoted automatically; as a run not promoted, it is promoted by hand, after a question.
  const db = createDb('file:' + path.join(E2E_DATA_DIR, 'masklab.db'));
  await db.run.update({ where: { id: runId }, data: { promoted: false } });
  await db.$disconnect();
  await page.reload();
  await page.getByRole('button', { name: 'Promote this model' }).click();
  const confirm = page.getByTestId('promote-confirm');
  await expect(confirm).toContainText(/The comparison rests on \d+ test faces/);
  await confirm.getByRole('button', { name: 'Keep the current model' }).click();
  await expect(confirm).toHaveCount(0);
  await page.getByRole('button', { name: 'Promote this model' }).click();
  await page.getByTestId('promote-confirm').getByRole('button', { name: 'Yes, promote' }).click();
  await expect(page.getByText('promoted', { exact: true })).toBeVisible();

  await page.goto('/');
  await expect(page.getByTestId('home-promoted')).toContainText('95% interval');
  await expect(page.getByTestId('home-promoted')).toContainText('too few test faces to tell');
});
