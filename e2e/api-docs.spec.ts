// The API description (issue 14 item 3): /api/docs renders for a signed-in user under its own
// CSP (its stylesheet applies, nothing else may load), /api/openapi.json answers an API token.
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ADMIN, E2E_DATA_DIR, signIn } from './helpers';
import { createDb } from '../lib/db';
import { createToken } from '../lib/auth/tokens';

const DB_URL = `file:${path.join(E2E_DATA_DIR, 'masklab.db')}`;

test('/api/docs shows every operation to a signed-in user, styled under its own CSP', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  await signIn(page, ADMIN.email, ADMIN.password);
  const res = await page.goto('/api/docs');
  expect(res!.status()).toBe(200);
  expect(res!.headers()['content-type']).toMatch(/^text\/html/);
  const csp = res!.headers()['content-security-policy'];
  expect(csp).toMatch(/default-src 'none'/);
  expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(res!.headers()['x-frame-options']).toBe('DENY');

  await expect(page.getByRole('heading', { level: 1 })).toContainText('masklab API');
  const retrain = page.getByRole('row').filter({ has: page.getByRole('link', { name: '/api/training/retrain' }) });
  await expect(retrain).toContainText('POST');
  await expect(retrain).toContainText('admin');
  // an operation's section: its body fields from the zod schema, its error responses
  await retrain.getByRole('link').click();
  const section = page.locator('section#postTrainingRetrain');
  await expect(section.getByRole('cell', { name: 'seed', exact: true })).toBeVisible();
  await expect(section.getByRole('cell', { name: '401', exact: true })).toBeVisible();
  await expect(section.getByRole('cell', { name: '400', exact: true })).toBeVisible();
  await expect(page.locator('section#postPredict')).toContainText('multipart/form-data');
  await expect(page.locator('section#postPredict').getByRole('cell', { name: 'image', exact: true })).toBeVisible();
  // the inline stylesheet applied (allowed by its hash), and nothing was refused
  const th = await page.locator('th').first().evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(th).toBe('rgb(243, 244, 246)');
  expect(violations).toEqual([]);

  // the rest of the API keeps its strict policy
  const me = await page.request.get('/api/me');
  expect(me.headers()['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
});

test('/api/openapi.json answers an API token (and refuses anonymous callers)', async ({ playwright, baseURL }) => {
  const db = createDb(DB_URL);
  const admin = await db.user.findUniqueOrThrow({ where: { email: ADMIN.email } });
  const { token } = await createToken(db, admin.id, 'e2e openapi');
  await db.$disconnect();
  const api = await playwright.request.newContext({ baseURL });
  try {
    const anonymous = await api.get('/api/openapi.json');
    expect(anonymous.status()).toBe(401);
    const res = await api.get('/api/openapi.json', { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status()).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { 'x-masklab-role': string }>> };
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.paths['/api/predict'].post['x-masklab-role']).toBe('viewer');
    expect(doc.paths['/api/training/retrain'].post['x-masklab-role']).toBe('admin');
    expect(doc.paths['/api/openapi.json'].get).toBeDefined();
    const docs = await api.get('/api/docs', { headers: { Authorization: `Bearer ${token}` } });
    expect(docs.status()).toBe(200);
    expect(await docs.text()).toContain('/api/photos/{id}/thumb');
  } finally {
    await api.dispose();
  }
});
