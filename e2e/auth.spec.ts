import { expect, test } from '@playwright/test';
import { ADMIN, createUserViaUi, signIn, signOut, uniqueEmail } from './helpers';

test('a wrong password shows a clear message and no session', async ({ page }) => {
  await page.goto('/login');
  await page.locator('input[name=email]').fill(ADMIN.email);
  await page.locator('input[name=password]').fill('definitely-wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('#login-error')).toHaveText('Wrong e-mail or password.');
  await expect(page).toHaveURL(/\/login/);
  expect((await page.request.get('/api/me')).status()).toBe(401);
});

test('anonymous visitors are sent to the sign-in page', async ({ page }) => {
  for (const p of ['/', '/admin/users', '/account']) {
    await page.goto(p);
    await expect(page).toHaveURL(/\/login\?callbackUrl=/);
    await expect(page.locator('input[name=password]')).toBeVisible();
  }
});

// Anonymous calls to every API route and server action: e2e/authz.spec.ts (the authorisation matrix).

test('a forged session cookie gets no further than a bad token', async ({ browser, baseURL }) => {
  const ctx = await browser.newContext();
  await ctx.addCookies([{ name: 'next-auth.session-token', value: 'forged', url: baseURL! }]);
  expect((await ctx.request.get('/api/me')).status()).toBe(401);
  expect((await ctx.request.get('/api/admin/users', { headers: { authorization: 'Bearer mlk_forged' } })).status()).toBe(401);
  const page = await ctx.newPage();
  await page.goto('/admin/users');
  await expect(page).toHaveURL(/\/login/);
  await ctx.close();
});

test('admin creates a labeler, who is refused the admin page and the admin API', async ({ page }) => {
  const labeler = { email: uniqueEmail('labeler'), password: 'labeler-password-1' };
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toBeVisible();
  await createUserViaUi(page, labeler.email, 'labeler', labeler.password);
  await expect(page.getByTestId(`user-row-${labeler.email}`)).toContainText('active');
  await signOut(page);

  await signIn(page, labeler.email, labeler.password);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toHaveCount(0); // not offered
  const res = await page.goto('/admin/users');
  expect(res?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
  const api = await page.request.get('/api/admin/users');
  expect(api.status()).toBe(403);
  expect((await api.json()).error).toMatch(/admin/);
  const post = await page.request.post('/api/admin/users', { data: { email: uniqueEmail('x'), role: 'admin' } });
  expect(post.status()).toBe(403);
  expect((await page.request.get('/api/me')).status()).toBe(200);
});

test('a disabled user loses access at once', async ({ browser }) => {
  const admin = await browser.newPage();
  const user = { email: uniqueEmail('viewer'), password: 'viewer-password-1' };
  await signIn(admin, ADMIN.email, ADMIN.password);
  await createUserViaUi(admin, user.email, 'viewer', user.password);

  const ctx = await browser.newContext();
  const viewer = await ctx.newPage();
  await signIn(viewer, user.email, user.password);
  expect((await viewer.request.get('/api/me')).status()).toBe(200);

  await admin.goto('/admin/users');
  await admin.getByTestId(`user-row-${user.email}`).getByRole('button', { name: 'Disable' }).click();
  await expect(admin.getByTestId(`user-row-${user.email}`)).toContainText('disabled');
  expect((await viewer.request.get('/api/me')).status()).toBe(401);
  await ctx.close();
});

test('a user changes their own password', async ({ page }) => {
  const user = { email: uniqueEmail('pw'), password: 'first-password-1' };
  await signIn(page, ADMIN.email, ADMIN.password);
  await createUserViaUi(page, user.email, 'viewer', user.password);
  await signOut(page);
  await signIn(page, user.email, user.password);
  await page.goto('/account');
  await page.getByLabel('Current password').fill(user.password);
  await page.getByLabel('New password (8+ characters)').fill('second-password-2');
  await page.getByLabel('New password again').fill('second-password-2');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status')).toContainText('Password changed.');
  await signOut(page);
  await signIn(page, user.email, 'second-password-2');
});

test('signing out ends the session on the server: a copy of its cookie gets 401', async ({ page, browser }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  expect((await page.request.get('/api/me')).status()).toBe(200);
  const copied = await page.context().cookies();
  expect(copied.some((c) => c.name.includes('next-auth.session-token'))).toBe(true);
  await signOut(page);

  const ctx = await browser.newContext();
  await ctx.addCookies(copied);
  const me = await ctx.request.get('/api/me');
  expect(me.status()).toBe(401);
  expect((await me.json()).error).toBe('Sign in required');
  const other = await ctx.newPage();
  await other.goto('/account');
  await expect(other).toHaveURL(/\/login/);
  await ctx.close();
});

test('the Account page lists your sessions and signs out everywhere else', async ({ page, browser }) => {
  const user = { email: uniqueEmail('sessions'), password: 'sessions-password-1' };
  await signIn(page, ADMIN.email, ADMIN.password);
  await createUserViaUi(page, user.email, 'viewer', user.password);
  await signOut(page);

  const elsewhere = await browser.newContext();
  const there = await elsewhere.newPage();
  await signIn(there, user.email, user.password);
  await signIn(page, user.email, user.password);
  await page.goto('/account');
  const rows = page.getByRole('list', { name: `Sessions of your account` }).getByTestId('session-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: '(this device)' })).toHaveCount(1);
  await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await expect(page.getByRole('status')).toContainText('Signed out 1 session.');
  expect((await there.request.get('/api/me')).status()).toBe(401);
  expect((await page.request.get('/api/me')).status()).toBe(200);
  await expect(rows).toHaveCount(1);
  await elsewhere.close();
});

test('the icon is served, to anonymous visitors too', async ({ request }) => {
  const ico = await request.get('/favicon.ico', { maxRedirects: 0 });
  expect(ico.status()).toBe(200);
  expect(ico.headers()['content-type']).toMatch(/^image\//);
  const svg = await request.get('/icon.svg', { maxRedirects: 0 });
  expect(svg.status()).toBe(200);
  expect(svg.headers()['content-type']).toMatch(/^image\/svg\+xml/);
});
