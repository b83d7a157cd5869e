// An admin retrains from the Training page: progress shows live, the run's page shows the
// confusion matrix whose cells open their faces, and the first model is promoted.
import { expect, test } from '@playwright/test';
import { ADMIN, FIXTURES, importWithCli, signIn } from './helpers';

test('an admin retrains, follows the progress, opens the confusion matrix, and the model is promoted', async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page, ADMIN.email, ADMIN.password);
  // The admin imports the labelled fixtures (ImageFolder layout) with the real import.
  const summary = importWithCli(FIXTURES, ['--labels-from-folders']);
  expect(summary).toMatchObject({ photos: 32, faces: 32 }); // 8 per class; scenes/ and the notes are not classes

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Training' }).click();
  await expect(page.getByRole('heading', { name: 'Training', level: 1 })).toBeVisible();
  // 32 labelled faces, none split yet
  const splitTable = page.getByTestId('split-counts');
  await expect(splitTable.getByRole('row', { name: /^Mask, old/ }).getByRole('cell').last()).toHaveText('8');

  await page.getByRole('button', { name: 'Retrain' }).click();
  await expect(page.getByRole('status')).toContainText('Retrain queued');
  // Live progress without reloading: the job runs, epochs tick, curves appear.
  await expect(page.getByTestId('job-state')).toHaveText(/queued|running/);
  await expect(page.getByTestId('epoch')).toHaveText(/[1-9]/, { timeout: 180_000 });
  await expect(page.getByTestId('curves')).toBeVisible();
  await expect(page.getByTestId('job-state')).toHaveText('succeeded', { timeout: 180_000 });

  // The first model is promoted.
  const runs = page.getByTestId('runs');
  await expect(runs.getByTestId('promoted-badge')).toHaveCount(1);
  await runs.getByRole('link').first().click();

  await expect(page.getByTestId('run-status')).toHaveText('succeeded');
  await expect(page.getByTestId('comparison')).toContainText('Promoted automatically');
  const matrix = page.getByTestId('confusion');
  await expect(matrix).toBeVisible();
  // The cells hold every test face; open the fullest diagonal cell and see its faces.
  const cells = matrix.getByRole('button');
  await expect(cells).toHaveCount(16);
  const counts = await cells.allInnerTexts();
  const total = counts.reduce((a, b) => a + Number(b), 0);
  expect(total).toBeGreaterThanOrEqual(4);
  const fullest = counts.map(Number).reduce((best, n, i) => (n > Number(counts[best]) ? i : best), 0);
  await cells.nth(fullest).click();
  const faces = page.getByTestId('cell-faces');
  await expect(faces.getByRole('img')).toHaveCount(Number(counts[fullest]));
  await expect(page.getByTestId('per-class')).toContainText('macro average');
});
