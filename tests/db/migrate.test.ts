import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { migrate, migrationsDir, readMigrations } from '@/lib/db/migrate';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(async () => t.cleanup());

it('applies every committed migration once and records it like Prisma does', async () => {
  const all = readMigrations(migrationsDir(t.provider));
  expect(all.length).toBeGreaterThan(0);
  expect(await migrate(t.url)).toEqual({ applied: [], alreadyApplied: all.length });
  const rows = await t.db.$queryRawUnsafe<{ migration_name: string; checksum: string }[]>(
    'SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name',
  );
  expect(rows.map((r) => r.migration_name)).toEqual(all.map((m) => m.name));
  expect(rows.map((r) => r.checksum)).toEqual(all.map((m) => m.checksum));
});

it('the schema works for every model after migrating', async () => {
  const u = await t.db.user.create({ data: { email: 'm@example.com', passwordHash: 'x' } });
  const p = await t.db.photo.create({
    data: { sha256: 'a'.repeat(64), uploaderId: u.id, originalName: 'p.jpg', format: 'jpeg', width: 10, height: 10, bytes: 100 },
  });
  const f = await t.db.face.create({ data: { photoId: p.id, index: 0, x: 0, y: 0, w: 10, h: 10, phash: '0'.repeat(16) } });
  await t.db.feature.create({ data: { faceId: f.id, backbone: 'b', mirrored: false, vector: Buffer.from(new Float32Array([1, 2]).buffer) } });
  const feat = await t.db.feature.findFirstOrThrow({ where: { faceId: f.id } });
  expect(Array.from(new Float32Array(new Uint8Array(feat.vector).buffer))).toEqual([1, 2]);
  await t.db.photo.delete({ where: { id: p.id } });
  expect(await t.db.face.count()).toBe(0); // faces and features go with their photo
  expect(await t.db.feature.count()).toBe(0);
});

it('refuses a migration that was edited after it was applied', async () => {
  if (t.provider !== 'sqlite') return; // the check is provider-independent; one file copy suffices
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-mig-'));
  fs.cpSync(migrationsDir('sqlite'), dir, { recursive: true });
  const file = path.join(dir, '20261127000000_init', 'migration.sql');
  const { migrateSqlite } = await import('@/lib/db/migrate');
  const url = `file:${path.join(dir, 'x.db')}`;
  await migrateSqlite(url, dir);
  fs.appendFileSync(file, '\n-- edited\n');
  await expect(migrateSqlite(url, dir)).rejects.toThrow(/edited after it was applied/);
  fs.rmSync(dir, { recursive: true, force: true });
});
