import { expect, test } from '@playwright/test';
import path from 'node:path';
import { createDb } from '../lib/db';
import { ADMIN, E2E_DATA_DIR, seedFaces, signIn } from './helpers';

// A confounded dataset: masked young faces mostly women, masked old faces mostly men (apparent gender
// written straight to the database, as the features job would), and one face without apparent gender.
let faces: string[];

test.beforeAll(async () => {
  faces = await seedFaces(25);
  const db = createDb('file:' + path.join(E2E_DATA_DIR, 'masklab.db'));
  try {
    const set = (ids: string[], label: string, male: number) => db.face.updateMany({ where: { id: { in: ids } }, data: { label, apparentMale: male, apparentAge: 40 } });
    await set(faces.slice(0, 10), 'mask_young', 0.1);
    await set(faces.slice(10, 12), 'mask_young', 0.9);
    await set(faces.slice(12, 14), 'mask_old', 0.2);
    await set(faces.slice(14, 24), 'mask_old', 0.8);
    await db.face.update({ where: { id: faces[24] }, data: { label: 'mask_old', apparentMale: null, apparentAge: null } });
  } finally {
    await db.$disconnect();
  }
});

test('the dashboard warns about a gender confound, lists the short gender cells, and computes apparent gender on request', async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/dashboard');
  await expect(page.getByTestId('confound-warnings')).toContainText(
    'Young faces with a mask are 83% women, old faces with a mask 17%: the model may learn gender for age.',
  );
  await expect(page.getByTestId('confounds-mask_young')).toContainText('83% (10)');
  await expect(page.getByTestId('collect-next-cells')).toContainText('young men, with mask: 2 (women: 10)');
  await expect(page.getByTestId('collect-next-cells')).toContainText('old women, with mask: 2 (men: 10)');
  await expect(page.getByTestId('confounds-mask_old').locator('td').nth(2)).toHaveText('1'); // gender unknown

  // The admin button queues the features job; the worker computes the missing face's apparent gender.
  const button = page.getByRole('button', { name: /^Compute apparent gender for \d+ faces?$/ });
  await button.click();
  await expect(page.getByTestId('apparent-job').or(page.getByText('Queued: the worker computes them'))).toBeVisible();
  const db = createDb('file:' + path.join(E2E_DATA_DIR, 'masklab.db'));
  try {
    await expect.poll(async () => (await db.face.findUniqueOrThrow({ where: { id: faces[24] } })).apparentMale, { timeout: 240_000 }).not.toBeNull();
  } finally {
    await db.$disconnect();
  }
  await page.reload();
  await expect(page.getByTestId('confounds-mask_old').locator('td').nth(2)).toHaveText('0'); // gender unknown
});
