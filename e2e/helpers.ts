import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { CLASSES, classIndex } from '../lib/classes';
import { createDb } from '../lib/db';
import { BACKBONE_ID } from '../lib/inference/backbone';
import { computeMetrics } from '../lib/training/metrics';
import { computeSlices } from '../lib/training/slices';

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

export const E2E_DATA_DIR = path.join(__dirname, '.data');
export const FIXTURES = path.join(__dirname, '..', 'tests', 'fixtures', 'facemask');

/**
 * Imports photos into the running e2e server's database and store with the real
 * `npm run cli -- import --json` (the same pipeline as uploads). Returns the CLI's JSON summary.
 */
export function importWithCli(target: string, args: string[] = []): { photos: number; faces: number; duplicates: number; rejected: unknown[] } {
  const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, '..', 'jobs', 'cli.ts'), 'import', target, '--as', ADMIN.email, '--json', ...args], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, MASKLAB_DATA_DIR: E2E_DATA_DIR, MASKLAB_MODELS_DIR: path.join(E2E_DATA_DIR, 'models'), DATABASE_URL: '' },
    encoding: 'utf8',
  });
  // exit 1 with a summary: nothing was added (e.g. the photos were imported before), which callers check themselves
  if (r.status !== 0 && !(r.status === 1 && r.stdout.startsWith('{'))) throw new Error(`cli import exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** `npm run cli -- token create …` against the e2e server's database: the token is the last line of stdout. */
export function cliToken(email: string, name: string): string {
  const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, '..', 'jobs', 'cli.ts'), 'token', 'create', email, '--name', name], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, MASKLAB_DATA_DIR: E2E_DATA_DIR, MASKLAB_MODELS_DIR: path.join(E2E_DATA_DIR, 'models'), DATABASE_URL: '' },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`cli token create exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim().split('\n').at(-1)!;
}

/**
 * Adds `n` new unlabelled faces through the real import: fixture face photos, each
 * re-encoded slightly brighter so its bytes (sha256) are new, imported with the CLI.
 * Returns the new faces' ids, oldest first.
 */
export async function seedFaces(n: number): Promise<string[]> {
  const sharp = (await import('sharp')).default;
  const tag = `seed-${Date.now()}-${crypto.randomBytes(3).toString('hex')}`;
  const dir = path.join(E2E_DATA_DIR, 'tmp', tag);
  fs.mkdirSync(dir, { recursive: true });
  const sources = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'].flatMap((c) =>
    fs.readdirSync(path.join(FIXTURES, c)).sort().map((f) => path.join(FIXTURES, c, f)),
  );
  for (let i = 0; i < n; i++) {
    const bytes = await sharp(sources[i % sources.length]).modulate({ brightness: 1 + (1 + Math.floor(i / sources.length)) * 0.01 + Math.random() * 0.01 }).jpeg({ quality: 90 }).toBuffer();
    fs.writeFileSync(path.join(dir, `${tag}-${String(i).padStart(3, '0')}.jpg`), bytes);
  }
  const summary = importWithCli(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  if (summary.photos !== n) throw new Error(`seedFaces: imported ${summary.photos} of ${n}: ${JSON.stringify(summary.rejected)}`);
  const db = createDb('file:' + path.join(E2E_DATA_DIR, 'masklab.db'));
  try {
    const faces = await db.face.findMany({
      where: { photo: { originalName: { startsWith: tag } } },
      orderBy: [{ createdAt: 'asc' }, { index: 'asc' }],
      select: { id: true },
    });
    return faces.map((f) => f.id);
  } finally {
    await db.$disconnect();
  }
}

/**
 * Records a finished training run straight in the database, with test metrics, slices (one of them
 * weak enough to be warned about) and curves computed from made-up predictions on the labelled faces,
 * so the run pages render everything without minutes of training. Not promoted. Returns the run id.
 */
export async function seedRun(): Promise<string> {
  const db = createDb('file:' + path.join(E2E_DATA_DIR, 'masklab.db'));
  try {
    const faces = await db.face.findMany({ where: { label: { in: [...CLASSES] } }, orderBy: { id: 'asc' }, take: 64, select: { id: true, label: true } });
    if (faces.length < 8) throw new Error(`seedRun: ${faces.length} labelled faces, want 8 or more`);
    const y = faces.map((f) => classIndex(f.label!));
    // Right most of the time; every face of batch "b" with an odd index gets the neighbouring class.
    const pred = y.map((t, i) => (i % 2 === 1 && i % 4 === 1 ? (t + 1) % CLASSES.length : t));
    const probs = pred.map((p) => CLASSES.map((_, c) => (c === p ? 0.85 : 0.05)));
    const metrics = computeMetrics(y, probs, faces.map((f) => f.id));
    const slices = computeSlices(
      faces.map((f, i) => ({ faceId: f.id, y: y[i], pred: pred[i], attrs: { source: 'import', batch: i % 4 === 1 ? 'batch-b' : 'batch-a', crop: 'whole image' } })),
      CLASSES,
    );
    const history = Array.from({ length: 12 }, (_, i) => ({ epoch: i + 1, loss: 1.4 / (i + 1), accuracy: 0.5 + i * 0.04, valLoss: 1.5 / (i + 1) + 0.05, valAccuracy: 0.45 + i * 0.035 }));
    const run = await db.run.create({
      data: {
        status: 'succeeded',
        backbone: BACKBONE_ID,
        config: JSON.stringify({ bestEpoch: 10 }),
        history: JSON.stringify(history),
        metrics: JSON.stringify({ ...metrics, slices, comparison: { promotedRunId: null, promotedMacroF1: null, promoted: false, reason: 'seeded by the e2e tests' } }),
        finishedAt: new Date(),
      },
    });
    return run.id;
  } finally {
    await db.$disconnect();
  }
}
