// Webhooks from the admin's side: add a hook on /admin/webhooks (reached from the menu), note its
// secret, send a test event; the worker delivers it to a receiver this test runs on 127.0.0.1, signed
// so the receiver can verify it with that secret, and the delivery appears in the page's log. The
// server lists 127.0.0.1 in MASKLAB_WEBHOOK_ALLOW_HOSTS (playwright.config.ts): loopback is refused otherwise.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { ADMIN, signIn, signOut } from './helpers';

type Got = { headers: http.IncomingHttpHeaders; body: string };
const got: Got[] = [];
let server: http.Server;
let url = '';

test.beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/masklab-hook`;
});
test.afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('an admin adds a webhook, sends a test event, and sees it delivered', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole('link', { name: 'Webhooks' }).first().click();
  await expect(page).toHaveURL(/\/admin\/webhooks$/);

  // a URL that is not http(s) is refused with a clear message
  await page.getByLabel('URL (http:// or https://)').fill('ftp://example.com/x');
  await page.getByRole('button', { name: 'Add webhook' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'must be an http:// or https:// URL' })).toBeVisible();
  // so is the cloud metadata address (only hosts in MASKLAB_WEBHOOK_ALLOW_HOSTS, here 127.0.0.1, may be private)
  await page.getByLabel('URL (http:// or https://)').fill('http://169.254.169.254/latest/meta-data/');
  await page.getByRole('button', { name: 'Add webhook' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'refused: 169.254.169.254 is a link-local address' })).toBeVisible();

  await page.getByLabel('URL (http:// or https://)').fill(url);
  await page.getByRole('button', { name: 'Add webhook' }).click();
  const added = page.getByRole('status').filter({ hasText: `Added ${url}` });
  await expect(added).toBeVisible();
  const secret = /secret[^:]*: (mlwh_\S+)/.exec((await added.textContent()) ?? '')![1];

  const row = page.locator('[data-testid^="webhook-"]').filter({ hasText: url });
  await expect(row).toContainText('enabled');
  // the secret is not on the page until revealed
  await page.reload();
  expect(await page.content()).not.toContain(secret);
  await row.getByRole('button', { name: 'Reveal secret' }).click();
  await expect(page.getByRole('status').filter({ hasText: secret })).toBeVisible();

  await row.getByRole('button', { name: 'Send test event' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Test event queued' })).toBeVisible();
  await expect.poll(() => got.length, { timeout: 20_000 }).toBe(1);
  const r = got[0];
  expect(r.headers['x-masklab-event']).toBe('webhook.test');
  const ts = r.headers['x-masklab-timestamp'] as string;
  const expected = 'sha256=' + crypto.createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex');
  expect(r.headers['x-masklab-signature']).toBe(expected);
  expect(JSON.parse(r.body)).toMatchObject({ event: 'webhook.test', id: r.headers['x-masklab-delivery'], sentBy: ADMIN.email });

  // the log shows the delivery (the page refreshes itself while one is on its way)
  const delivery = page.getByTestId(`delivery-${r.headers['x-masklab-delivery']}`);
  await expect(delivery.getByTestId('delivery-status')).toHaveText('delivered');
  await delivery.getByTestId('delivery-attempts').click();
  await expect(delivery).toContainText('1 of 6');
  await expect(delivery).toContainText(/#1 .*: 204 in \d+ ms/);

  // disabled: no test event can be sent
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row).toContainText('disabled');
  await expect(row.getByRole('button', { name: 'Send test event' })).toBeDisabled();
  await signOut(page);
});
