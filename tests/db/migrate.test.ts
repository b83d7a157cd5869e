import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emptyDb, type EmptyDb, freshDb, type TestDb } from '../helpers/db';
import { migrate, migratePostgres, migrateSqlite, type MigrateHooks, migrationsDir, readMigrations } from '@/lib/db/migrate';
import { pgInfo, sqliteFile, sqliteInfo, withRawDb } from '@/lib/backup/database';
import { createDb } from '@/lib/db';
import { queueExport } from '@/lib/export/queue';

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

it('a start waits for another process that holds the new database file instead of failing "database is locked"', async () => {
  if (t.provider !== 'sqlite') return; // PostgreSQL serialises starts with an advisory lock
  // Two `npm start` on a new data folder: one is inside its migration transaction while the
  // other switches the file to WAL, which SQLite refuses at once (no busy wait) while locked.
  const { default: Database } = await import('better-sqlite3');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-mig-'));
  const file = path.join(dir, 'x.db');
  const other = new Database(file);
  other.exec('CREATE TABLE held (x)');
  other.exec('BEGIN IMMEDIATE');
  other.exec('INSERT INTO held VALUES (1)');
  const released = new Promise<void>((resolve) =>
    setTimeout(() => {
      other.exec('COMMIT');
      other.close();
      resolve();
    }, 400),
  );
  try {
    const result = await migrateSqlite(`file:${file}`);
    await released;
    expect(result.applied).toEqual(readMigrations(migrationsDir('sqlite')).map((m) => m.name));
    const check = new Database(file, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
    check.close();
  } finally {
    await released;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- Upgrading a database that holds data ---------------------------------------------------
// A database made by the first release (the `init` migration only) and filled with a bit of
// everything; then a migration that rebuilds Photo the way Prisma writes it (SQLite: new table,
// copy, DROP, RENAME; PostgreSQL: column changes) and every real later migration.

const INIT = '20261127000000_init';
type Exec = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** A migrations folder holding `init` plus the given extra migrations (name → SQL); `withLater`: every later one, or (a name) those before it. */
function migrationsWith(provider: 'sqlite' | 'postgresql', extra: Record<string, string>, withLater: boolean | string): string {
  const src = migrationsDir(provider);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-migs-'));
  for (const m of readMigrations(src)) {
    if (m.name === INIT || withLater === true || (typeof withLater === 'string' && m.name < withLater)) fs.cpSync(path.join(src, m.name), path.join(dir, m.name), { recursive: true });
  }
  for (const [name, sql] of Object.entries(extra)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

const run = (provider: 'sqlite' | 'postgresql', url: string, dir: string, hooks?: MigrateHooks) =>
  provider === 'sqlite' ? migrateSqlite(url, dir, hooks) : migratePostgres(url, dir, hooks);

async function insert(exec: Exec, table: string, row: Record<string, unknown>) {
  const cols = Object.keys(row);
  // booleans inline (better-sqlite3 binds no booleans); everything else as a parameter
  const vals = cols.map((c) => (typeof row[c] === 'boolean' ? (row[c] ? 'TRUE' : 'FALSE') : '?'));
  await exec(
    `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${vals.join(', ')})`,
    cols.filter((c) => typeof row[c] !== 'boolean').map((c) => row[c]),
  );
}

/** Rows of every kind the first release stores, written with plain SQL at the `init` schema. */
async function populate(exec: Exec) {
  const now = '2026-11-27T10:00:00.000Z';
  for (const u of ['u1', 'u2', 'u3']) {
    await insert(exec, 'User', { id: u, email: `${u}@example.com`, passwordHash: `hash-${u}`, role: u === 'u1' ? 'admin' : 'labeler', updatedAt: now });
  }
  await insert(exec, 'ApiToken', { id: 't1', userId: 'u2', name: 'script', tokenHash: 'th1' });
  await insert(exec, 'ApiToken', { id: 't2', userId: 'u3', name: 'cam', tokenHash: 'th2' });
  await insert(exec, 'Setting', { key: 'target', value: '750', updatedAt: now });
  await insert(exec, 'LoginThrottle', { key: 'ip:1.2.3.4', failures: 2 });
  for (let p = 0; p < 4; p++) {
    await insert(exec, 'Photo', {
      id: `p${p}`, sha256: String(p).repeat(64), uploaderId: p % 2 ? 'u2' : 'u3', originalName: `p${p}.jpg`, format: 'jpeg', width: 64, height: 64, bytes: 1000,
    });
    for (let i = 0; i < 2; i++) {
      const f = `f${p}${i}`;
      await insert(exec, 'Face', { id: f, photoId: `p${p}`, index: i, x: 0, y: 0, w: 10, h: 10, phash: '0'.repeat(16), label: 'mask_old', labelledById: 'u2', split: 'train' });
      await insert(exec, 'LabelEvent', { id: `e${f}`, faceId: f, userId: 'u2', newLabel: 'mask_old' });
      await insert(exec, 'Feature', { faceId: f, backbone: 'faceres', mirrored: false, vector: Buffer.from(new Float32Array([p, i]).buffer) });
    }
  }
  await insert(exec, 'Review', { id: 'r1', faceId: 'f00', requestedById: 'u1', reviewerId: 'u3', firstLabel: 'mask_old', firstUserId: 'u2' });
  await insert(exec, 'Review', { id: 'r2', faceId: 'f10', requestedById: 'u1', firstLabel: 'mask_old' });
  await insert(exec, 'Job', { id: 'j1', type: 'train', status: 'succeeded', createdById: 'u1' });
  await insert(exec, 'Job', { id: 'j2', type: 'train', status: 'queued', createdById: 'u1' });
  for (const m of ['start', 'epoch 1', 'done']) await insert(exec, 'JobLog', { jobId: 'j1', message: m });
  await insert(exec, 'Run', { id: 'run1', jobId: 'j1', status: 'succeeded', backbone: 'faceres', createdById: 'u1', promoted: true });
  for (let p = 0; p < 4; p++) for (let i = 0; i < 2; i++) await insert(exec, 'RunSample', { runId: 'run1', faceId: `f${p}${i}`, label: 'mask_old', split: 'train' });
}

async function counts(url: string): Promise<Record<string, number>> {
  const info = url.startsWith('file:') ? await sqliteInfo(sqliteFile(url), false) : await pgInfo(url);
  const { _prisma_migrations: _, ...rest } = info.counts;
  return rest;
}

// Photo rebuilt as `prisma migrate dev` writes it for a new column and a type change on SQLite
// (the table definition is taken from the init migration, so it is exactly the real one); on
// PostgreSQL the same schema change is done in place.
function rebuildPhotoSqlite(): string {
  const init = fs.readFileSync(path.join(migrationsDir('sqlite'), '20261127000000_init', 'migration.sql'), 'utf8');
  const body = /CREATE TABLE "Photo" \(\n([\s\S]*?)\n\);/.exec(init)![1];
  const columns = [...body.matchAll(/^ {4}"(\w+)"/gm)].map((m) => `"${m[1]}"`).join(', ');
  const changed = body.replace('"bytes" INTEGER NOT NULL,', '"bytes" BIGINT NOT NULL,\n    "note" TEXT,');
  expect(changed).toContain('"note" TEXT');
  return `-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Photo" (
${changed}
);
INSERT INTO "new_Photo" (${columns}) SELECT ${columns} FROM "Photo";
DROP TABLE "Photo";
ALTER TABLE "new_Photo" RENAME TO "Photo";
CREATE UNIQUE INDEX "Photo_sha256_key" ON "Photo"("sha256");
CREATE INDEX "Photo_uploaderId_idx" ON "Photo"("uploaderId");
CREATE INDEX "Photo_createdAt_idx" ON "Photo"("createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
`;
}
const REBUILD_PHOTO = {
  get sqlite() {
    return rebuildPhotoSqlite();
  },
  postgresql: `-- AlterTable
ALTER TABLE "Photo" ADD COLUMN "note" TEXT,
ALTER COLUMN "bytes" SET DATA TYPE BIGINT;
`,
};
const REBUILD = '20261128000000_rebuild_photo';

describe('upgrading a database that holds data', () => {
  const dirs: string[] = [];
  let target: EmptyDb;
  beforeEach(async () => {
    target = await emptyDb();
  });
  afterEach(async () => {
    await target.cleanup();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const folder = (extra: Record<string, string>, withLater: boolean | string) => {
    const d = migrationsWith(target.provider, extra, withLater);
    dirs.push(d);
    return d;
  };

  it('a migration that rebuilds Photo, and every later migration, keep every row of every table', async () => {
    const { url, provider } = target;
    await run(provider, url, folder({}, false));
    await withRawDb(url, populate);
    const before = await counts(url);
    expect(before).toMatchObject({ User: 3, Photo: 4, Face: 8, LabelEvent: 8, Feature: 8, Review: 2, RunSample: 8, Job: 2, JobLog: 3, ApiToken: 2 });

    const r = await run(provider, url, folder({ [REBUILD]: REBUILD_PHOTO[provider] }, true));
    expect(r.applied[0]).toBe(REBUILD);
    expect(r.applied.length).toBe(readMigrations(migrationsDir(provider)).length); // all but init

    const after = await counts(url);
    for (const [table, n] of Object.entries(before)) expect({ table, n: after[table] }).toEqual({ table, n });
    // face_boxes: every photo's next free crop number is one past its faces' highest index (0 and 1 here)
    await withRawDb(url, async (exec) => {
      const next = await exec('SELECT "nextFaceIndex" AS n FROM "Photo"');
      expect(next.map((r) => Number(r.n))).toEqual([2, 2, 2, 2]);
    });
    // and the references still hold: faces still belong to their photos, samples to their faces
    await withRawDb(url, async (exec) => {
      const joined = await exec('SELECT count(*) AS n FROM "RunSample" s JOIN "Face" f ON f."id" = s."faceId" JOIN "Photo" p ON p."id" = f."photoId"');
      expect(Number(joined[0].n)).toBe(8);
    });
  });

  it('single_jobs keeps one queued or running job of each single kind and cancels the others, with a log line', async () => {
    const { url, provider } = target;
    await run(provider, url, folder({}, false));
    await withRawDb(url, async (exec) => {
      await insert(exec, 'User', { id: 'u1', email: 'u1@example.com', passwordHash: 'h', role: 'admin', updatedAt: '2026-11-27T10:00:00.000Z' });
      const job = (id: string, type: string, status: string, minute: number) =>
        insert(exec, 'Job', { id, type, status, createdById: 'u1', createdAt: `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z` });
      await job('export1', 'export', 'queued', 1); // requests at the same moment queued three
      await job('export2', 'export', 'queued', 2);
      await job('export3', 'export', 'queued', 3);
      await job('map1', 'map', 'queued', 1);
      await job('map2', 'map', 'running', 2); // the running one stays, even though younger
      await job('train1', 'train', 'queued', 1);
      await job('suggest1', 'suggest', 'running', 1); // one running, one waiting behind it
      await job('suggest2', 'suggest', 'queued', 2);
      await job('suggest3', 'suggest', 'queued', 3);
      await job('import1', 'import', 'queued', 1); // not single: untouched
      await job('import2', 'import', 'queued', 2);
      await job('old', 'export', 'succeeded', 0);
    });
    await run(provider, url, folder({}, true));
    await withRawDb(url, async (exec) => {
      const jobs = await exec('SELECT "id", "status", "singleKey", "error" FROM "Job" ORDER BY "id"');
      expect(Object.fromEntries(jobs.map((j) => [j.id, [j.status, j.singleKey]]))).toEqual({
        export1: ['queued', 'export'],
        export2: ['cancelled', null],
        export3: ['cancelled', null],
        map1: ['cancelled', null],
        map2: ['running', 'map'],
        train1: ['queued', 'train'],
        suggest1: ['running', 'suggest'],
        suggest2: ['queued', 'suggest:next'],
        suggest3: ['cancelled', null],
        import1: ['queued', null],
        import2: ['queued', null],
        old: ['succeeded', null],
      });
      expect(jobs.find((j) => j.id === 'export2')!.error).toBe('cancelled: another export job was already queued or running');
      const logs = await exec('SELECT "jobId", "level", "message" FROM "JobLog" ORDER BY "jobId"');
      expect(logs).toEqual(
        ['export2', 'export3', 'map1', 'suggest3'].map((id) => ({
          jobId: id,
          level: 'warn',
          message: `cancelled when upgrading: another ${id.replace(/\d$/, '')} job was already queued or running`,
        })),
      );
    });
    // and from now on the database keeps it that way
    const db = createDb(url);
    try {
      expect(await queueExport(db, null)).toMatchObject({ job: { id: 'export1' }, alreadyQueued: true });
      expect((await db.job.findUniqueOrThrow({ where: { id: 'export2' } })).finishedAt).toBeInstanceOf(Date);
      await expect(db.job.create({ data: { type: 'map', singleKey: 'map' } })).rejects.toMatchObject({ code: 'P2002' });
    } finally {
      await db.$disconnect();
    }
  });

  it('webhook_attempt_url gives the attempts made before it the URL their delivery was last sent to', async () => {
    const { url, provider } = target;
    await run(provider, url, folder({}, '20261207223212_webhook_attempt_url'));
    await withRawDb(url, async (exec) => {
      await insert(exec, 'WebhookDelivery', { id: 'd1', url: 'https://old.example.com/hook', event: 'run.finished', eventId: 'e1', body: '{}', attempts: 2 });
      await insert(exec, 'WebhookDelivery', { id: 'd2', url: 'https://other.example.com/hook', event: 'run.failed', eventId: 'e2', body: '{}' });
      for (const attempt of [1, 2]) await insert(exec, 'WebhookAttempt', { deliveryId: 'd1', attempt, durationMs: 5 });
    });
    await run(provider, url, folder({}, true));
    await withRawDb(url, async (exec) => {
      expect(await exec('SELECT "deliveryId", "attempt", "url" FROM "WebhookAttempt" ORDER BY "id"')).toEqual([
        { deliveryId: 'd1', attempt: 1, url: 'https://old.example.com/hook' },
        { deliveryId: 'd1', attempt: 2, url: 'https://old.example.com/hook' },
      ]);
    });
  });

  it('a migration that would leave a dangling reference is rolled back whole, with an error naming the table', async () => {
    const { url, provider } = target;
    await run(provider, url, folder({}, false));
    await withRawDb(url, populate);
    const before = await counts(url);
    // u3 uploaded photos: deleting the user leaves Photo.uploaderId pointing nowhere
    const dir = folder({ '20261128000000_add_note': 'ALTER TABLE "Setting" ADD COLUMN "note" TEXT;', '20261128000001_drop_user': `DELETE FROM "User" WHERE "id" = 'u3';` }, false);
    await expect(run(provider, url, dir)).rejects.toThrow(/20261128000001_drop_user.*Photo/s);
    expect(await counts(url)).toEqual(before);
    await withRawDb(url, async (exec) => {
      const names = (await exec('SELECT migration_name FROM _prisma_migrations')).map((x) => x.migration_name);
      expect(names).not.toContain('20261128000001_drop_user');
      if (provider === 'sqlite') expect(names).toEqual([INIT]); // one transaction: the earlier one went too
      // and the foreign keys are enforced again afterwards
      await expect(exec(`DELETE FROM "User" WHERE "id" = 'u3'`)).rejects.toThrow(/FOREIGN KEY|foreign key/);
    });
  });

  it('beforeApply runs once, before any change, only when migrations are pending', async () => {
    const { url, provider } = target;
    const calls: { pending: string[]; migrated: number }[] = [];
    const hooks: MigrateHooks = {
      beforeApply: async (pending) => {
        const n = await withRawDb(url, async (exec) => Number((await exec('SELECT count(*) AS n FROM _prisma_migrations'))[0].n));
        calls.push({ pending, migrated: n });
      },
    };
    await run(provider, url, folder({}, false), hooks);
    expect(calls).toEqual([{ pending: [INIT], migrated: 0 }]);
    const all = folder({}, true);
    await run(provider, url, all, hooks);
    const later = readMigrations(all).map((m) => m.name).filter((n) => n !== INIT);
    expect(calls[1]).toEqual({ pending: later, migrated: 1 });
    await run(provider, url, all, hooks);
    expect(calls).toHaveLength(2); // nothing pending: not called
    // a hook that fails stops the migration before anything changes
    const failing = folder({ [REBUILD]: REBUILD_PHOTO[provider] }, true);
    await expect(run(provider, url, failing, { beforeApply: () => { throw new Error('no backup'); } })).rejects.toThrow('no backup');
    const names = await withRawDb(url, async (exec) => (await exec('SELECT migration_name FROM _prisma_migrations')).map((x) => x.migration_name));
    expect(names).not.toContain(REBUILD);
  });
});
