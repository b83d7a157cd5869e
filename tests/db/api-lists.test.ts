// The API's lists are paginated by cursor (issue 22): walking every page gives every row once, in the
// list's order, also when rows share a timestamp or arrive between two pages; a cursor that is not
// one of ours is a 400. Also: the shared admin account change (updateUser) and the CLI's
// `token create`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { makeFaces, makeUser } from '../helpers/faces';
import { runCli } from '../helpers/cli';
import type { Actor } from '@/lib/auth/roles';
import { facesPage, photosPage } from '@/lib/dataset/browse';
import { listFaces } from '@/lib/dataset/gallery';
import { assignLabels } from '@/lib/dataset/labels';
import { blindFaceIds } from '@/lib/dataset/reviews';
import { runsPage } from '@/lib/training/views';
import { labelErrorsPage } from '@/lib/label-errors/db';
import { updateUser } from '@/lib/auth/users';
import { actorFromToken, listTokens } from '@/lib/auth/tokens';
import type { Page } from '@/lib/db/cursor';

let t: TestDb;
let admin: Actor;
let ann: Actor;
let bob: Actor;
let annFaces: string[];
let bobFaces: string[];
const same = new Date('2026-01-02T03:04:05.000Z');

beforeAll(async () => {
  t = await freshDb();
  admin = await makeUser(t.db, 'admin');
  ann = await makeUser(t.db, 'labeler');
  bob = await makeUser(t.db, 'labeler');
  // Two photos whose faces share their timestamps pairwise (ties on createdAt), and an older one.
  annFaces = await makeFaces(t.db, ann.id, 4, { createdAt: same });
  bobFaces = await makeFaces(t.db, bob.id, 4, { createdAt: same });
  await makeFaces(t.db, ann.id, 3, { createdAt: new Date('2025-06-01T00:00:00Z') });
  await assignLabels(t.db, ann, annFaces.slice(0, 2), 'mask_old');
  await assignLabels(t.db, bob, [bobFaces[0]], 'nomask_young');
});
afterAll(async () => t.cleanup());

/** Every item of a list, page by page. */
async function walk<T>(next: (cursor?: string) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await next(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    pages++;
    expect(pages).toBeLessThan(50);
  } while (cursor);
  return { items, pages };
}

describe('faces and photos by cursor', () => {
  it('walks every face once, newest first, in the gallery order, through ties on the timestamp', async () => {
    const { items, pages } = await walk((cursor) => facesPage(t.db, {}, { cursor, limit: 3 }));
    expect(pages).toBe(4); // 11 faces, 3 a page
    expect(items.map((f) => f.id)).toEqual((await listFaces(t.db, { pageSize: 200 })).faces.map((f) => f.id));
    expect(new Set(items.map((f) => f.id)).size).toBe(11);
  });

  it('applies the gallery filter', async () => {
    const labelled = await walk((cursor) => facesPage(t.db, { label: 'labelled' }, { cursor, limit: 2 }));
    expect(labelled.items.map((f) => f.id).sort()).toEqual([...annFaces.slice(0, 2), bobFaces[0]].sort());
    const mine = await walk((cursor) => facesPage(t.db, { uploader: bob.id, label: 'unlabelled' }, { cursor, limit: 10 }));
    expect(mine.items.map((f) => f.id).sort()).toEqual(bobFaces.slice(1).sort());
    expect(mine.pages).toBe(1);
  });

  it('neither skips nor repeats a face when faces arrive between two pages', async () => {
    const first = await facesPage(t.db, {}, { limit: 5 });
    const added = await makeFaces(t.db, bob.id, 2); // newer than all: before the first page
    const rest = await walk((cursor) => facesPage(t.db, {}, { cursor: cursor ?? first.nextCursor!, limit: 5 }));
    const seen = [...first.items, ...rest.items].map((f) => f.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(11);
    expect(seen.some((id) => added.includes(id))).toBe(false);
    await t.db.photo.deleteMany({ where: { faces: { some: { id: added[0] } } } });
  });

  it('hides the label of a face the reader owes a blind second opinion', async () => {
    const review = await t.db.review.create({ data: { faceId: bobFaces[0], requestedById: admin.id, reviewerId: ann.id, firstLabel: 'nomask_young', firstUserId: bob.id } });
    try {
      const blind = await blindFaceIds(t.db, ann);
      const { items } = await walk((cursor) => facesPage(t.db, {}, { cursor, limit: 4, blind }));
      expect(items.find((f) => f.id === bobFaces[0])?.label).toBeNull();
      // and a label filter leaves it out rather than revealing it
      const labelled = await facesPage(t.db, { label: 'nomask_young' }, { limit: 10, blind });
      expect(labelled.items).toEqual([]);
    } finally {
      await t.db.review.delete({ where: { id: review.id } });
    }
  });

  it('lists photos with a matching face, newest first, by cursor', async () => {
    const all = await walk((cursor) => photosPage(t.db, {}, { cursor, limit: 1 }));
    expect(all.items).toHaveLength(3);
    expect(all.items.map((p) => p.faces)).toEqual(expect.arrayContaining([4, 4, 3]));
    const times = all.items.map((p) => p.createdAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const labelled = await photosPage(t.db, { label: 'labelled', uploader: ann.id }, { limit: 10 });
    expect(labelled.items.map((p) => p.uploader.id)).toEqual([ann.id]);
    expect(labelled.nextCursor).toBeNull();
  });

  it('refuses a cursor that is not one of ours with a 400 saying what to send', async () => {
    for (const bad of ['nope', Buffer.from('[1,2,3]').toString('base64url'), Buffer.from('["not a date","x"]').toString('base64url')]) {
      await expect(facesPage(t.db, {}, { cursor: bad, limit: 5 })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/Invalid cursor/) });
    }
    await expect(runsPage(t.db, { cursor: Buffer.from('[5,"x"]').toString('base64url'), limit: 5 })).rejects.toMatchObject({ status: 400 });
  });
});

describe('runs and label errors by cursor', () => {
  it('walks the runs newest first', async () => {
    for (let i = 0; i < 5; i++) {
      await t.db.run.create({ data: { id: `run${i}`, status: 'succeeded', backbone: 'test-backbone', createdAt: new Date(Date.UTC(2026, 0, 1 + (i % 3))) } });
    }
    const { items, pages } = await walk((cursor) => runsPage(t.db, { cursor, limit: 2 }));
    expect(pages).toBe(3);
    expect(items.map((r) => r.id)).toEqual(['run2', 'run1', 'run4', 'run0', 'run3']);
  });

  it('walks the suspected label errors most suspicious first, ties by face id', async () => {
    const scores = [0.9, 0.5, 0.5, 0.5, 0.2];
    const ids = [...annFaces, bobFaces[0]];
    for (const [i, faceId] of ids.entries()) {
      await t.db.labelError.create({ data: { faceId, label: 'mask_old', suggested: 'mask_young', score: scores[i], probs: '[0.1,0.9,0,0]' } });
    }
    const { items } = await walk((cursor) => labelErrorsPage(t.db, admin, { cursor, limit: 2 }));
    const ties = ids.slice(1, 4).sort();
    expect(items.map((x) => x.faceId)).toEqual([ids[0], ...ties, ids[4]]);
    const strong = await labelErrorsPage(t.db, admin, { limit: 10, minScore: 0.5 });
    expect(strong).toMatchObject({ total: 4, nextCursor: null });
  });
});

describe('an admin changes an account (the Users page and PATCH /api/admin/users/{id})', () => {
  it('changes role and disabled, but nobody demotes or disables themself, and the last admin stays', async () => {
    const vic = await makeUser(t.db, 'viewer');
    expect(await updateUser(t.db, admin, vic.id, { role: 'labeler' })).toMatchObject({ id: vic.id, role: 'labeler', disabled: false });
    expect(await updateUser(t.db, admin, vic.id, { disabled: true })).toMatchObject({ role: 'labeler', disabled: true });
    await expect(updateUser(t.db, admin, admin.id, { role: 'viewer' })).rejects.toThrow('You cannot take away your own admin role');
    await expect(updateUser(t.db, admin, admin.id, { disabled: true })).rejects.toThrow('You cannot disable your own account');
    const other = await makeUser(t.db, 'labeler');
    await expect(updateUser(t.db, other, admin.id, { role: 'viewer' })).rejects.toMatchObject({ status: 409 });
    await expect(updateUser(t.db, admin, 'no-such-user', { role: 'viewer' })).rejects.toMatchObject({ status: 404 });
    expect((await t.db.user.findUniqueOrThrow({ where: { id: admin.id } })).role).toBe('admin');
  });
});

describe('npm run cli -- token create', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-cli-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const cli = (...args: string[]) => runCli({ databaseUrl: t.url, dataDir }, ...args);

  it('--json: one JSON line with the token', async () => {
    const r = cli('token', 'create', bob.email, '--name', 'json script', '--expires', 'never', '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]) as { token: string; email: string; expiresAt: string | null };
    expect(out).toMatchObject({ email: bob.email, expiresAt: null });
    expect(await actorFromToken(t.db, out.token)).toMatchObject({ id: bob.id });
  });

  it('prints the token alone on the last line, once; it acts as that user', async () => {
    const r = cli('token', 'create', ann.email, '--name', 'ci script', '--expires', '30');
    expect(r.err).not.toContain('error');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    const token = lines.at(-1)!;
    expect(token).toMatch(/^mlk_[A-Za-z0-9_-]{20,}$/);
    expect(lines).toHaveLength(1);
    expect(r.err).toContain('shown only now');
    expect(r.err).not.toContain(token);
    expect(await actorFromToken(t.db, token)).toMatchObject({ id: ann.id, role: 'labeler' });
    const [listed] = (await listTokens(t.db, ann.id)).filter((x) => x.name === 'ci script');
    expect(listed.expiresAt!.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });

  it('refuses a bad expiry, a missing name (usage: exit 2) and an unknown user (exit 1), and creates nothing', async () => {
    const before = await t.db.apiToken.count();
    const bad = cli('token', 'create', bob.email, '--name', 'x', '--expires', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--expires must be never, 30, 90 or a date YYYY-MM-DD');
    const noName = cli('token', 'create', bob.email);
    expect(noName.code).toBe(2);
    expect(noName.err).toContain('needs --name');
    const nobody = cli('token', 'create', 'nobody@example.com', '--name', 'x');
    expect(nobody.code).toBe(1);
    expect(nobody.err).toContain('no user with e-mail nobody@example.com');
    expect(await t.db.apiToken.count()).toBe(before);
  });
});
