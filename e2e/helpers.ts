import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { createDb } from '../lib/db';

export const ADMIN = { email: 'admin@e2e.test', password: 'e2e-admin-password' };

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('user-menu')).toBeVisible();
}

export async function signOut(page: Page) {
  await page.getByTestId('user-menu').locator('summary').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
}

/** Creates a user through the admin page (the admin must be signed in). */
export async function createUserViaUi(page: Page, email: string, role: string, password: string) {
  await page.goto('/admin/users');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption(role);
  await page.getByLabel('Password (blank: generate)').fill(password);
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByRole('status')).toContainText(`Created ${email}`);
}

export const uniqueEmail = (prefix: string) => `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.test`;

/** Every API route handler in the app, with the HTTP methods its file exports. */
export function apiRoutes(root = path.join(__dirname, '..', 'app', 'api')): { url: string; methods: string[] }[] {
  const out: { url: string; methods: string[] }[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'route.ts') {
        const src = fs.readFileSync(p, 'utf8');
        const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) =>
          new RegExp(`export (const|async function|function) ${m}\\b|as ${m}\\b`).test(src),
        );
        const rel = path.relative(path.join(root, '..'), path.dirname(p)).split(path.sep).join('/');
        const url = '/' + rel.replace(/\[\.\.\.[^\]]+\]/g, 'x/y').replace(/\[[^\]]+\]/g, 'x');
        out.push({ url, methods });
      }
    }
  };
  walk(root);
  return out;
}

/** The e2e server's database (playwright.config.ts gives it the data dir e2e/.data). */
export const E2E_DB_FILE = path.join(__dirname, '.data', 'masklab.db');

/**
 * Puts `n` faces (one photo, owned by the admin) straight into the e2e server's database
 * and returns their ids in queue order. Stands in for a real upload until that exists.
 */
export async function seedFaces(n: number): Promise<string[]> {
  const db = createDb('file:' + E2E_DB_FILE);
  try {
    const admin = await db.user.findUniqueOrThrow({ where: { email: ADMIN.email } });
    const photo = await db.photo.create({
      data: { sha256: crypto.randomBytes(32).toString('hex'), uploaderId: admin.id, originalName: 'e2e-group.jpg', format: 'jpeg', width: 120 * n, height: 200, bytes: 1 },
    });
    const t0 = Date.now();
    await db.face.createMany({
      data: Array.from({ length: n }, (_, i) => ({
        photoId: photo.id,
        index: i,
        x: 120 * i + 10,
        y: 40,
        w: 100,
        h: 100,
        score: 0.9,
        phash: crypto.randomBytes(8).toString('hex'),
        createdAt: new Date(t0 + i),
      })),
    });
    const faces = await db.face.findMany({ where: { photoId: photo.id }, orderBy: { index: 'asc' }, select: { id: true } });
    return faces.map((f) => f.id);
  } finally {
    await db.$disconnect();
  }
}
