// An admin retrains from the Training page: progress shows live, the run's page shows the
// confusion matrix whose cells open their faces, and the first model is promoted.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ADMIN, E2E_DATA_DIR, FIXTURES, importWithCli, signIn } from './helpers';

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
  await expect(page.getByTestId('run-backbone')).toHaveText('Fast (faceres)');
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

// A deliberately confounded evaluation set: mirrored copies of the fixture faces, labelled with
// their age only, half of them (one import batch) with the age the training data contradicts.
// The model trained on the fixtures gets that batch wrong, so the run page must name it (or a
// slice inside it) the worst slice and warn; its faces are one click away.
test('a run reports an evaluation set with slices, and warns about the slice that trails the rest', async ({ page }) => {
  test.setTimeout(400_000);
  await signIn(page, ADMIN.email, ADMIN.password);
  importWithCli(FIXTURES, ['--labels-from-folders']); // the training data (already there when the test above ran)
  const sharp = (await import('sharp')).default;
  const root = path.join(E2E_DATA_DIR, 'tmp', `evalset-${Date.now()}`);
  const cls = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'];
  for (const [batch, range, contradict] of [
    ['agrees', [0, 4], false],
    ['contradicts', [4, 8], true],
  ] as const) {
    for (const c of cls) {
      const old = c.endsWith('_old') !== contradict;
      const dir = path.join(root, batch, old ? 'old' : 'young');
      fs.mkdirSync(dir, { recursive: true });
      for (const f of fs.readdirSync(path.join(FIXTURES, c)).sort().slice(...range)) {
        await sharp(path.join(FIXTURES, c, f)).flop().jpeg({ quality: 92 }).toFile(path.join(dir, `${c}-${f}`));
      }
    }
    const s = importWithCli(path.join(root, batch), ['--labels-from-folders', '--eval-set', 'generalisation', '--batch', `gen-${batch}`]);
    expect(s).toMatchObject({ photos: 16, faces: 16, rejected: [] });
  }
  fs.rmSync(root, { recursive: true, force: true });

  await page.goto('/training');
  const sets = page.getByTestId('eval-set-list');
  await expect(sets.getByRole('row', { name: /generalisation/ })).toContainText('32 age only');
  // The backbone choice shows each option's cost where it is chosen; fast is the default.
  const choice = page.getByTestId('backbone-choice');
  await expect(choice.getByRole('radio', { name: /^Fast \(faceres, ~\d+ ms\/face\)/ })).toBeChecked();
  await expect(choice.getByRole('radio', { name: /^Accurate \(faceres \+ faceres-deep \+ gear, ~\d+ ms\/face \([\d.]+x\), \+[\d.]+ points CV/ })).not.toBeChecked();
  await page.getByRole('button', { name: 'Retrain' }).click();
  await expect(page.getByRole('status')).toContainText('Retrain queued');
  // The new job (not the last one's "succeeded"), then its end.
  await expect(page.getByTestId('job-state')).toHaveText(/queued|running/);
  await expect(page.getByTestId('job-state')).toHaveText('succeeded', { timeout: 300_000 });
  await page.reload();
  await page.getByTestId('runs').getByRole('link').first().click();
  await expect(page.getByTestId('run-status')).toHaveText('succeeded');

  // The test split's slices are there; the evaluation set has its own section.
  await expect(page.getByTestId('test-slices').getByTestId('slices-source')).toContainText('import');
  const evalSet = page.getByTestId('eval-set-generalisation');
  await expect(evalSet).toContainText('32 faces');
  const slices = page.getByTestId('eval-slices-generalisation');
  const batches = slices.getByTestId('slices-batch');
  await expect(batches.getByRole('row', { name: /gen-agrees/ })).toBeVisible();
  await expect(batches.getByRole('row', { name: /gen-contradicts/ })).toBeVisible();
  const warning = slices.getByTestId('worst-slice-warning');
  await expect(warning).toContainText('points behind');

  // One click to the worst slice's faces, each a link to its face page.
  await warning.getByRole('link', { name: 'Show its faces' }).click();
  const faces = page.getByTestId('slice-faces');
  await expect(faces).toContainText('Evaluation set “generalisation”');
  const n = Number((await warning.innerText()).match(/on (\d+) faces/)![1]);
  await expect(faces.getByRole('img')).toHaveCount(n);
  await faces.getByRole('listitem').first().getByRole('link').click();
  await expect(page).toHaveURL(/\/faces\/[^/?#]+$/);
});
