// An admin exports the dataset from the Training page: the export runs as a background job whose progress the
// page shows, then the archive downloads and holds train/ val/ test/ <class>/<face>.jpg, manifest.csv and
// model/ (the promoted model as a bundle).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ADMIN, E2E_DATA_DIR, FIXTURES, importWithCli, signIn } from './helpers';
import { createPromotedFixtureModel } from './fixture-model';
import { createDb } from '../lib/db';
import { readZipFile } from '../tests/helpers/read-zip';

const DB_URL = `file:${path.join(E2E_DATA_DIR, 'masklab.db')}`;

test('an admin exports from the Training page, follows the progress and downloads an ImageFolder archive with the model', async ({ page, request }) => {
  test.setTimeout(300_000);
  expect(importWithCli(FIXTURES, ['--labels-from-folders'])).toMatchObject({ photos: 32, faces: 32 });
  // Splits come from a retrain; here they are set directly (6 train, 1 valid, 1 test per class).
  const db = createDb(DB_URL);
  try {
    for (const cls of ['mask_old', 'mask_young', 'nomask_old', 'nomask_young']) {
      const faces = await db.face.findMany({ where: { label: cls }, orderBy: { id: 'asc' }, select: { id: true } });
      for (const [i, f] of faces.entries()) await db.face.update({ where: { id: f.id }, data: { split: i % 8 < 6 ? 'train' : i % 8 === 6 ? 'valid' : 'test' } });
    }
  } finally {
    await db.$disconnect();
  }
  const runId = await createPromotedFixtureModel(DB_URL, path.join(E2E_DATA_DIR, 'models'));

  await signIn(page, ADMIN.email, ADMIN.password);
  // Nothing exported yet: the API says so.
  const none = await page.request.get('/api/export');
  expect(none.status()).toBe(404);
  expect((await none.json()).error).toMatch(/No export yet/);

  await page.goto('/training');
  const panel = page.getByTestId('export');
  await expect(panel.getByRole('heading', { name: 'Export the dataset' })).toBeVisible();
  await panel.getByRole('button', { name: 'Export' }).click();
  await expect(panel.getByRole('status')).toContainText('Export queued');
  await expect(panel.getByTestId('export-state')).toHaveText('succeeded', { timeout: 180_000 });
  const link = panel.getByRole('link', { name: 'Download' });
  await expect(link).toHaveCount(1);
  await expect(panel.getByRole('list', { name: 'Finished exports' })).toContainText('32 faces');

  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-e2e-export-')), 'export.zip');
  await download.saveAs(file);
  try {
    const zip = await readZipFile(file);
    const names = [...zip.keys()];
    for (const split of ['train', 'val', 'test']) expect(names.filter((n) => new RegExp(`^${split}/(mask|nomask)_(old|young)/[^/]+\\.jpg$`).test(n)).length).toBeGreaterThanOrEqual(4);
    expect(names.filter((n) => n.endsWith('.jpg'))).toHaveLength(32);
    expect(zip.get('manifest.csv')!.toString().split('\n')[0]).toBe('file,face,photo,original_file,box,label,split,labeller,time');
    expect(zip.get('manifest.csv')!.toString()).toContain(ADMIN.email);
    expect(names).toContain('model/masklab-classify.mjs');
    for (const n of ['classes.txt', 'labels.json', 'train/metadata.csv', 'model/example.html', 'model/example.mjs']) expect(names).toContain(n);
    expect(JSON.parse(zip.get('model/meta.json')!.toString()).runId).toBe(runId);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }

  // The API streams the same archive (the newest finished export) to an admin.
  const api = await request.get('/api/export');
  expect(api.status()).toBe(401); // this context has no session
  const viaPage = await page.request.get('/api/export');
  expect(viaPage.status()).toBe(200);
  expect(viaPage.headers()['content-type']).toBe('application/zip');
  const body = await viaPage.body();
  expect(body.subarray(0, 2).toString()).toBe('PK');
  // Its length up front (a client can show progress and tell a cut download), not chunked.
  expect(viaPage.headers()['content-length']).toBe(String(body.length));
  expect(viaPage.headers()['transfer-encoding']).toBeUndefined();
  expect(viaPage.headers()['x-masklab-content-length']).toBeUndefined();
});
