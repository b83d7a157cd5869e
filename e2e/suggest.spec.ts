// The model labels with you: with a promoted model (e2e/fixture-model.ts) the worker's suggest job gives
// every unlabelled face a suggestion; the desk shows it and Enter accepts it; the grid bulk-accepts
// "all matching" after a confirmation, and one undo reverts the whole action.
import fs from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { ADMIN, seedFaces, signIn } from './helpers';
import { createPromotedFixtureModel } from './fixture-model';
import { createDb } from '../lib/db';

test.describe.configure({ mode: 'serial' });

const DATA = path.join(__dirname, '.data');
const DB_URL = `file:${path.join(DATA, 'masklab.db')}`;
const MODELS = path.join(DATA, 'models');

let runId = '';
let wasPromoted: string[] = [];
let faces: string[] = [];

async function withDb<T>(fn: (db: ReturnType<typeof createDb>) => Promise<T>): Promise<T> {
  const db = createDb(DB_URL);
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}

// Starts from its own promoted model and leaves the database as it found it (other specs share it).
test.beforeAll(async () => {
  test.setTimeout(240_000);
  wasPromoted = await withDb(async (db) => {
    const ids = (await db.run.findMany({ where: { promoted: true }, select: { id: true } })).map((r) => r.id);
    await db.run.updateMany({ where: { promoted: true }, data: { promoted: false } });
    return ids;
  });
  faces = await seedFaces(6);
  runId = await createPromotedFixtureModel(DB_URL, MODELS); // promote() queues the suggest job
  // The worker of `npm start` runs it: features of the new faces, then the head.
  await expect
    .poll(() => withDb((db) => db.suggestion.count({ where: { runId, faceId: { in: faces } } })), { timeout: 180_000, intervals: [1000] })
    .toBe(faces.length);
});

test.afterAll(async () => {
  await withDb(async (db) => {
    await db.suggestion.deleteMany({});
    await db.run.deleteMany({ where: { id: runId } });
    if (wasPromoted.length) await db.run.updateMany({ where: { id: { in: wasPromoted } }, data: { promoted: true } });
  });
  if (runId) fs.rmSync(path.join(MODELS, runId), { recursive: true, force: true });
});

async function open(page: Page, url: string, testId: string) {
  await page.goto(url);
  await expect(page.getByTestId(testId)).toHaveAttribute('data-ready', 'true');
}

test('the desk shows the model’s suggestion, least confident first, and Enter accepts it', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await open(page, '/label', 'label-desk');
  await expect(page.getByTestId('queue-order')).toHaveValue('uncertain');
  const faceId = (await page.getByTestId('label-face').getAttribute('data-face-id'))!;
  const [s, least] = await withDb(async (db) => [
    await db.suggestion.findUniqueOrThrow({ where: { faceId } }),
    await db.suggestion.findFirstOrThrow({ where: { face: { label: null } }, orderBy: [{ confidence: 'asc' }, { faceId: 'asc' }] }),
  ]);
  expect(faceId).toBe(least.faceId);
  const shown = page.getByTestId('label-suggestion');
  await expect(shown).toHaveAttribute('data-class', s.label);
  await expect(shown).toContainText(`${Math.round(s.confidence * 100)}%`);

  await page.keyboard.press('Enter');
  await expect(page.getByTestId('label-face')).not.toHaveAttribute('data-face-id', faceId);
  await expect(page.getByTestId('label-status')).toHaveAttribute('data-pending', '0');
  const event = await withDb((db) => db.labelEvent.findFirstOrThrow({ where: { faceId }, orderBy: { createdAt: 'desc' } }));
  expect(event).toMatchObject({ newLabel: s.label, suggested: s.label, accepted: true });

  const face = await (await page.request.get(`/api/faces/${faceId}`)).json();
  expect(face).toMatchObject({ id: faceId, label: s.label, suggestion: null });
});

test('the grid accepts the suggestions of all matching faces after a confirmation, and one undo reverts them', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  const expected = await withDb((db) => db.suggestion.findMany({ where: { face: { label: null } }, select: { faceId: true, label: true } }));
  expect(expected.length).toBeGreaterThan(1);
  await open(page, '/label?view=grid&label=unlabelled&pageSize=10', 'label-grid');
  await page.getByTestId('grid-select-all').click();
  await expect(page.getByTestId('grid-selected')).toHaveAttribute('data-all', 'true');
  let question = '';
  page.once('dialog', (d) => {
    question = d.message();
    void d.accept();
  });
  await page.getByTestId('grid-accept').click();
  await expect(page.locator('.alert-ok')).toContainText(`Accepted the suggestion for ${expected.length} faces`);
  expect(question).toContain(`${expected.length} faces`);
  const after = await withDb((db) => db.face.findMany({ where: { id: { in: expected.map((e) => e.faceId) } }, select: { id: true, label: true } }));
  const want = new Map(expected.map((e) => [e.faceId, e.label]));
  for (const f of after) expect(f.label).toBe(want.get(f.id));

  await page.getByTestId('grid-undo').click();
  await expect(page.locator('.alert-ok')).toContainText(`${expected.length} face(s) got their previous label back`);
  expect(await withDb((db) => db.face.count({ where: { id: { in: expected.map((e) => e.faceId) }, label: null } }))).toBe(expected.length);
});
