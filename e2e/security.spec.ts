// Web hardening (issue #9 item 4): no open redirect, security headers and a CSP the pages
// (TF.js preview included) work under, cross-site requests refused, sessions ended by a
// password change, API tokens with an expiry.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ADMIN, createUserViaUi, E2E_DATA_DIR, signIn, uniqueEmail } from './helpers';
import { createPromotedFixtureModel } from './fixture-model';
import { createDb } from '../lib/db';
import { createToken } from '../lib/auth/tokens';

test.describe.configure({ mode: 'serial' });

const DB_URL = `file:${path.join(E2E_DATA_DIR, 'masklab.db')}`;
const MODELS = path.join(E2E_DATA_DIR, 'models');

test('sign-in with a callbackUrl to another host lands inside the app', async ({ page, baseURL }) => {
  await page.goto('/login?callbackUrl=' + encodeURIComponent('//example.org/phish'));
  await page.locator('input[name=email]').fill(ADMIN.email);
  await page.locator('input[name=password]').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('user-menu')).toBeVisible();
  expect(page.url()).toBe(`${baseURL}/`);
});

test('security headers on a page and on an API response', async ({ page }) => {
  const res = await page.goto('/login');
  const h = res!.headers();
  const csp = h['content-security-policy'];
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'wasm-unsafe-eval'/);
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(h['x-frame-options']).toBe('DENY');
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(h['permissions-policy']).toContain('camera=(self)');
  expect(h['permissions-policy']).toContain('microphone=()');
  // Next.js put the nonce on its inline scripts
  const nonce = /'nonce-([^']+)'/.exec(csp)![1];
  const inline = await page.locator('script:not([src])').evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).nonce));
  expect(inline.length).toBeGreaterThan(0);
  expect(inline.every((n) => n === nonce)).toBe(true);
  // a second request gets another nonce
  const again = (await page.request.get('/login')).headers()['content-security-policy'];
  expect(again).not.toBe(csp);

  await signIn(page, ADMIN.email, ADMIN.password);
  const api = await page.request.get('/api/me');
  expect(api.status()).toBe(200);
  const a = api.headers();
  expect(a['content-security-policy']).toContain("default-src 'none'");
  expect(a['x-frame-options']).toBe('DENY');
  expect(a['x-content-type-options']).toBe('nosniff');
  expect(a['referrer-policy']).toBe('strict-origin-when-cross-origin');
});

/** Records CSP violations (events and console errors) on the page. */
function watchCsp(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to (load|execute|create|apply|connect|compile)/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

test.describe('pages work under the CSP', () => {
  let created = '';
  let wasPromoted: string[] = [];
  test.beforeAll(async () => {
    const db = createDb(DB_URL);
    wasPromoted = (await db.run.findMany({ where: { promoted: true }, select: { id: true } })).map((r) => r.id);
    await db.run.updateMany({ where: { promoted: true }, data: { promoted: false } });
    await db.$disconnect();
    created = await createPromotedFixtureModel(DB_URL, MODELS, {});
  });
  test.afterAll(async () => {
    const db = createDb(DB_URL);
    await db.run.deleteMany({ where: { id: created } });
    if (wasPromoted.length) await db.run.updateMany({ where: { id: { in: wasPromoted } }, data: { promoted: true } });
    await db.$disconnect();
    fs.rmSync(path.join(MODELS, created), { recursive: true, force: true });
  });

  test('no CSP violations on /login, /dashboard, /collect, /collect/camera, /preview (TF.js wasm)', async ({ page }) => {
    test.setTimeout(240_000);
    await page.addInitScript(() => {
      (window as unknown as { __csp: string[] }).__csp = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`),
      );
    });
    const consoleErrors = watchCsp(page);
    const violations = async (where: string) => {
      const events = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
      expect([...events, ...consoleErrors], where).toEqual([]);
    };
    await page.goto('/login');
    await expect(page.locator('input[name=email]')).toBeVisible();
    await violations('/login');
    await signIn(page, ADMIN.email, ADMIN.password);
    for (const p of ['/dashboard', '/collect', '/collect/camera', '/gallery', '/account']) {
      await page.goto(p);
      await expect(page.getByTestId('user-menu')).toBeVisible();
      await page.waitForLoadState('networkidle');
      await violations(p);
    }
    await page.goto('/preview?backend=wasm');
    await expect(page.getByTestId('model-run')).toHaveText(created);
    // The backend in words on the page; its name (wasm) under Details.
    await expect(page.getByText("Runs on: this computer's processor (WebAssembly)")).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('backend')).toHaveText(/^wasm/);
    await expect(page.getByTestId('face-result').first()).toBeVisible({ timeout: 90_000 });
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    await violations('/preview');
  });
});

test('a cross-site POST with the session cookie is refused; an API-token POST still works', async ({ page, playwright, baseURL }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  const body = () => ({ email: uniqueEmail('csrf'), role: 'viewer' });
  const evil = await page.request.post('/api/admin/users', { data: body(), headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' } });
  expect(evil.status()).toBe(403);
  expect((await evil.json()).error).toMatch(/Cross-site/);
  const sneaky = await page.request.post('/api/admin/users', { data: body(), headers: { 'Sec-Fetch-Site': 'cross-site' } });
  expect(sneaky.status()).toBe(403);
  const own = await page.request.post('/api/admin/users', { data: body(), headers: { Origin: baseURL!, 'Sec-Fetch-Site': 'same-origin' } });
  expect(own.status()).toBe(201);

  // a real cross-site form post from another origin, in the browser
  const other = await page.context().newPage();
  await other.route('http://evil.test/**', (r) =>
    r.fulfill({
      contentType: 'text/html',
      body: `<form id=f method=post action="${baseURL}/api/admin/users" enctype="text/plain"><input name='{"email":"x@evil.test","role":"admin","pad":"' value='"}'></form><script>f.submit()</script>`,
    }),
  );
  const posted = other.waitForResponse((r) => r.url().endsWith('/api/admin/users') && r.request().method() === 'POST');
  await other.goto('http://evil.test/');
  // SameSite=Lax keeps the cookie off a cross-site POST (middleware: 401); were it sent, the guard answers 403
  expect([401, 403]).toContain((await posted).status());
  await other.close();

  const db = createDb(DB_URL);
  const admin = await db.user.findUniqueOrThrow({ where: { email: ADMIN.email } });
  const { token } = await createToken(db, admin.id, 'e2e csrf');
  await db.$disconnect();
  const script = await playwright.request.newContext({ baseURL });
  const viaToken = await script.post('/api/admin/users', { data: body(), headers: { Authorization: `Bearer ${token}`, Origin: 'https://elsewhere.example' } });
  expect(viaToken.status()).toBe(201);
  await script.dispose();
});

test('a password change ends the user’s other sessions and tokens; this one goes on; tokens show their expiry', async ({ page, browser, playwright, baseURL }) => {
  const user = { email: uniqueEmail('sv'), password: 'first-password-1' };
  await signIn(page, ADMIN.email, ADMIN.password);
  await createUserViaUi(page, user.email, 'viewer', user.password);

  const otherCtx = await browser.newContext();
  const other = await otherCtx.newPage();
  await signIn(other, user.email, user.password);
  expect((await other.request.get('/api/me')).status()).toBe(200);

  const ctx = await browser.newContext();
  const me = await ctx.newPage();
  await signIn(me, user.email, user.password);
  await me.goto('/account');
  await me.getByLabel('Token name').fill('nightly');
  await me.getByLabel('Expires').selectOption('30');
  await me.getByRole('button', { name: 'Create token' }).click();
  const shown = await me.getByRole('status').textContent();
  const token = /mlk_[A-Za-z0-9_-]+/.exec(shown ?? '')![0];
  await me.reload();
  await expect(me.getByTestId('token-expiry').first()).toHaveText(/^expires /);
  const script = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  expect((await script.get('/api/me')).status()).toBe(200);

  await me.getByLabel('Current password').fill(user.password);
  await me.getByLabel('New password (8+ characters)').fill('second-password-2');
  await me.getByLabel('New password again').fill('second-password-2');
  await me.getByRole('button', { name: 'Change password' }).click();
  await expect(me.getByRole('status')).toContainText('Your other sessions have ended');

  expect((await me.request.get('/api/me')).status()).toBe(200); // re-issued
  expect((await other.request.get('/api/me')).status()).toBe(401); // ended
  const revoked = await script.get('/api/me');
  expect(revoked.status()).toBe(401);
  expect((await revoked.json()).error).toMatch(/revoked by a password change/);
  await me.reload();
  await expect(me.getByTestId('token-expiry').first()).toHaveText('revoked by a password change');
  await script.dispose();
  await ctx.close();
  await otherCtx.close();
});

test('sign-in throttling sees the TCP peer, not a forged X-Forwarded-For', async ({ browser }) => {
  const ctx = await browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': '6.6.6.6' } });
  const page = await ctx.newPage();
  await signIn(page, ADMIN.email, ADMIN.password);
  const db = createDb(DB_URL);
  const rows = await db.knownAddress.findMany({ where: { user: { email: ADMIN.email } }, select: { address: true } });
  await db.$disconnect();
  const addresses = rows.map((r) => r.address);
  expect(addresses).not.toContain('6.6.6.6');
  expect(addresses.some((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
  await ctx.close();
});
