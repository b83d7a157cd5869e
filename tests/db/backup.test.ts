// Backup and restore of a whole instance (database, photo files, models, session secret) while
// uploads keep going, restored into new folders and a new database; and the automatic backup
// that start-up writes before migrating a database that holds data.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDb, type EmptyDb, freshDb, type TestDb } from '../helpers/db';
import { testTf } from '../helpers/tf';
import { createDb, type Db } from '@/lib/db';
import { migratePostgres, migrateSqlite, migrationsDir, readMigrations } from '@/lib/db/migrate';
import { createUser, signIn } from '@/lib/auth/users';
import type { Actor } from '@/lib/auth/roles';
import { authSecret } from '@/lib/auth/secret';
import { type Analyser, type IngestOptions, ingestPhoto } from '@/lib/dataset/ingest';
import { checkStorage, deletePhoto } from '@/lib/dataset/photos';
import { LocalStore } from '@/lib/storage';
import { buildHead, DEFAULT_HEAD } from '@/lib/training/head';
import { headProbs } from '@/lib/inference/classify';
import { loadModel, saveModel } from '@/lib/models/registry';
import { promote } from '@/lib/training/promote';
import { testMeta } from '../helpers/models';
import { promotedModel } from '@/lib/models/promoted';
import { backup, type Manifest, readArchive, restore } from '@/lib/backup';
import { withRawDb } from '@/lib/backup/database';
import { TarWriter } from '@/lib/backup/tar';
import { backupBeforeMigrating } from '@/lib/bootstrap';
import { parseConfig } from '@/lib/config';

const FIX = path.join(__dirname, '..', 'fixtures', 'facemask');
const FIXTURES = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'].flatMap((c) =>
  fs.readdirSync(path.join(FIX, c)).filter((f) => f.endsWith('.jpg')).sort().map((f) => fs.readFileSync(path.join(FIX, c, f))),
);
const throttle = { maxFailures: 5, windowMs: 15 * 60_000 };
const DIM = 8;

// Face detection is not what is tested here: each photo is one whole-image sample, so uploads
// are quick and many run during one backup. Everything else is the real ingest pipeline.
let crop: Buffer;
const wholeImage: Analyser = async (rgb) => ({
  width: rgb.width,
  height: rgb.height,
  samples: [{ box: { x: 0, y: 0, w: rgb.width, h: rgb.height }, wholeImage: true, score: null, cropJpeg: crop, phash: Math.random().toString(16).slice(2, 10).padEnd(16, '0') }],
});

let t: TestDb;
let tmp: string;
let src: { databaseUrl: string; dataDir: string; modelsDir: string };
let opts: IngestOptions;
let ann: Actor;
let secret: string;
let runId: string;
let uploaded = 0;

/** A distinct upload each time: a fixture with bytes after its end-of-image marker. */
const nextUpload = () => {
  const n = uploaded++;
  return Buffer.concat([FIXTURES[n % FIXTURES.length], Buffer.from(`masklab-test-${n}`)]);
};

const meta = (runId: string) => testMeta(runId, DIM);

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-backup-'));
  src = { databaseUrl: t.url, dataDir: path.join(tmp, 'data'), modelsDir: path.join(tmp, 'models') };
  crop = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer();
  opts = { store: new LocalStore(path.join(src.dataDir, 'store')), limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 }, duplicateFaceDistance: 0, analyse: wholeImage };
  secret = authSecret(src.dataDir);
  await createUser(t.db, { email: 'boss@example.com', role: 'admin', password: 'boss-password' });
  const a = await createUser(t.db, { email: 'ann@example.com', role: 'labeler', password: 'ann-password' });
  ann = { id: a.user.id, email: a.user.email, name: null, role: 'labeler' };
  for (let i = 0; i < 6; i++) {
    const r = await ingestPhoto(t.db, opts, { bytes: nextUpload(), name: `p${i}.jpg`, source: 'upload', uploaderId: ann.id, label: 'mask_old' });
    expect(r.status).toBe('added');
  }
  // a promoted model: a small head saved and promoted through the registry, as training does
  const tf = await testTf();
  const run = await t.db.run.create({ data: { status: 'running', backbone: 'test-backbone' } });
  runId = run.id;
  const dir = await saveModel(tf, src.modelsDir, run.id, buildHead(tf, DIM, { ...DEFAULT_HEAD, hidden: 4 }, 5), meta(run.id));
  await t.db.run.update({ where: { id: run.id }, data: { status: 'succeeded', modelDir: dir, finishedAt: new Date() } });
  await promote(t.db, run.id);
});

afterAll(async () => {
  await t?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A new empty place to restore into: folders and an empty database of the same provider. */
async function newTarget(name: string) {
  const database = await emptyDb();
  const dir = path.join(tmp, name);
  const loc = { databaseUrl: database.url, dataDir: path.join(dir, 'data'), modelsDir: path.join(dir, 'models') };
  if (database.provider === 'sqlite') loc.databaseUrl = `file:${path.join(loc.dataDir, 'masklab.db')}`; // the default place
  return { database, loc };
}

async function waitFor(cond: () => boolean) {
  for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(cond()).toBe(true);
}

describe('backup and restore', () => {
  const targets: EmptyDb[] = [];
  const clients: Db[] = [];
  afterAll(async () => {
    for (const c of clients) await c.$disconnect();
    for (const d of targets) await d.cleanup();
  });

  it('backs up while uploads run; the restore elsewhere has the same rows, every file, the users, the secret and the model', async () => {
    let stop = false;
    let done = 0;
    const uploads = (async () => {
      while (!stop) {
        const r = await ingestPhoto(t.db, opts, { bytes: nextUpload(), name: 'live.jpg', source: 'upload', uploaderId: ann.id, label: 'nomask_young' });
        expect(r.status).toBe('added');
        done++;
      }
    })();
    let manifest: Manifest;
    try {
      await waitFor(() => done >= 2);
      const file = path.join(tmp, 'live.tar');
      manifest = await backup(file, {
        ...src,
        afterSnapshot: async () => {
          const at = done;
          await waitFor(() => done >= at + 2); // more uploads land between the database copy and the files
        },
      });
    } finally {
      stop = true;
      await uploads;
    }
    // uploads went on during the backup: the live database has more than the archive
    expect(await t.db.photo.count()).toBeGreaterThan(manifest.counts.Photo);
    expect(manifest.counts.Photo).toBeGreaterThanOrEqual(8);
    expect(manifest).toMatchObject({ provider: t.provider, content: 'full', secret: true, photosDeletedDuringBackup: [], photosMissingFiles: [] });
    expect(manifest.migrations).toEqual(readMigrations(migrationsDir(t.provider)).map((m) => m.name));

    const { database, loc } = await newTarget('restored');
    targets.push(database);
    const r = await restore(path.join(tmp, 'live.tar'), loc);
    expect(r.counts).toEqual(manifest.counts);
    const db2 = createDb(loc.databaseUrl);
    clients.push(db2);
    expect(await db2.photo.count()).toBe(manifest.counts.Photo);
    expect(await db2.labelEvent.count()).toBe(manifest.counts.LabelEvent);
    // every restored photo has its original, derived images and face crops, and nothing else is there
    const report = await checkStorage(db2, new LocalStore(path.join(loc.dataDir, 'store')));
    expect(report).toMatchObject({ photos: manifest.counts.Photo, missing: [], orphans: [] });
    // the users sign in with their passwords; sessions stay valid (same signing key)
    expect((await signIn(db2, 'ann@example.com', 'ann-password', null, throttle)).ok).toBe(true);
    expect((await signIn(db2, 'boss@example.com', 'boss-password', null, throttle)).ok).toBe(true);
    expect(authSecret(loc.dataDir)).toBe(secret);
    // the promoted model is found in the new models folder and predicts exactly as before
    const promoted = await promotedModel(db2, loc.modelsDir);
    expect(promoted?.runId).toBe(runId);
    expect(promoted!.dir).toBe(path.join(loc.modelsDir, runId));
    for (const f of ['model.json', 'weights.bin', 'meta.json']) {
      expect(fs.readFileSync(path.join(promoted!.dir, f)).equals(fs.readFileSync(path.join(src.modelsDir, runId, f)))).toBe(true);
    }
    const tf = await testTf();
    const before = await loadModel(tf, path.join(src.modelsDir, runId));
    const after = await loadModel(tf, (await db2.run.findUniqueOrThrow({ where: { id: runId } })).modelDir!);
    const x = [Float32Array.from([1, 0, 0, 0, 0.5, 0, 0, 0]), Float32Array.from([0, 0.3, 0, 0, 0, 0, 0.9, 0])];
    expect(await headProbs(tf, after.model, x, DIM, 4)).toEqual(await headProbs(tf, before.model, x, DIM, 4));
  });

  it('a photo deleted while the backup runs is left out of the restore, row and files', async () => {
    const victim = await t.db.photo.findFirstOrThrow({ orderBy: { createdAt: 'asc' } });
    const faces = await t.db.face.count({ where: { photoId: victim.id } });
    const file = path.join(tmp, 'deleting.tar');
    const manifest = await backup(file, { ...src, afterSnapshot: async () => void (await deletePhoto(t.db, opts.store, ann, victim.id)) });
    expect(manifest.photosDeletedDuringBackup).toEqual([victim.id]);
    const { database, loc } = await newTarget('restored-deleted');
    targets.push(database);
    const r = await restore(file, loc);
    expect(r.counts.Photo).toBe(manifest.counts.Photo);
    const db2 = createDb(loc.databaseUrl);
    clients.push(db2);
    expect(await db2.photo.count()).toBe(manifest.counts.Photo - 1);
    expect(await db2.face.count()).toBe(manifest.counts.Face - faces);
    expect(await db2.photo.findUnique({ where: { id: victim.id } })).toBeNull();
    expect(await checkStorage(db2, new LocalStore(path.join(loc.dataDir, 'store')))).toMatchObject({ missing: [], orphans: [] });
  });

  it('refuses to restore into a folder or database that is not empty, and archives with unsafe names', async () => {
    const file = path.join(tmp, 'live.tar');
    const { database, loc } = await newTarget('busy');
    targets.push(database);
    fs.mkdirSync(loc.dataDir, { recursive: true });
    fs.writeFileSync(path.join(loc.dataDir, 'keep.txt'), 'mine');
    await expect(restore(file, loc)).rejects.toThrow(/data folder .* is not empty/);
    expect(fs.readdirSync(loc.dataDir)).toEqual(['keep.txt']);
    fs.rmSync(path.join(loc.dataDir, 'keep.txt'));
    fs.mkdirSync(loc.modelsDir, { recursive: true });
    fs.writeFileSync(path.join(loc.modelsDir, 'x'), '');
    await expect(restore(file, loc)).rejects.toThrow(/models folder .* is not empty/);
    fs.rmSync(path.join(loc.modelsDir, 'x'));
    if (database.provider === 'postgresql') {
      const used = await freshDb(); // a migrated database: it has tables
      try {
        await expect(restore(file, { ...loc, databaseUrl: used.url })).rejects.toThrow(/already has \d+ table/);
        expect(fs.readdirSync(loc.dataDir)).toEqual([]); // emptied again
      } finally {
        await used.cleanup();
      }
    } else {
      fs.mkdirSync(path.join(tmp, 'elsewhere'), { recursive: true });
      const dbFile = path.join(tmp, 'elsewhere', 'existing.db');
      fs.writeFileSync(dbFile, '');
      await expect(restore(file, { ...loc, databaseUrl: `file:${dbFile}` })).rejects.toThrow(/already exists/);
    }
    const evil = path.join(tmp, 'evil.tar');
    const w = await TarWriter.create(evil);
    await w.addBuffer('manifest.json', '{}');
    await w.addBuffer('store/../../escaped.txt', 'x');
    await w.finish();
    await expect(restore(evil, loc)).rejects.toThrow(/unsafe entry name/);
    expect(fs.existsSync(path.join(tmp, 'escaped.txt'))).toBe(false);
    expect(fs.existsSync(path.join(loc.dataDir, 'store'))).toBe(false);
  });
});

describe('automatic backup before migrating', () => {
  const INIT = '20261127000000_init';
  const initOnly = (provider: 'sqlite' | 'postgresql') => {
    const dir = fs.mkdtempSync(path.join(tmp, 'migs-'));
    fs.cpSync(path.join(migrationsDir(provider), INIT), path.join(dir, INIT), { recursive: true });
    return dir;
  };
  const migrateWith = (url: string, dir: string, hooks = {}) =>
    url.startsWith('file:') ? migrateSqlite(url, dir, hooks) : migratePostgres(url, dir, hooks);

  it('is written when migrations are pending and the database holds data, and a failed one stops the migration', async () => {
    const database = await emptyDb();
    try {
      const dataDir = path.join(tmp, `pre-${database.provider}`);
      const cfg = parseConfig({ MASKLAB_DATA_DIR: dataDir, DATABASE_URL: database.url, MASKLAB_MODELS_DIR: path.join(dataDir, 'm') }, tmp);
      const lines: string[] = [];
      const hooks = backupBeforeMigrating(cfg, (l) => lines.push(l));
      // a brand-new database: nothing to back up
      await migrateWith(cfg.databaseUrl, initOnly(database.provider), hooks);
      expect(fs.existsSync(path.join(dataDir, 'backups'))).toBe(false);
      await withRawDb(cfg.databaseUrl, (exec) =>
        exec(`INSERT INTO "User" ("id", "email", "passwordHash", "updatedAt") VALUES ('u1', 'old@example.com', 'h', '2026-11-27T10:00:00.000Z')`),
      );
      // a failed backup: nothing is migrated
      fs.mkdirSync(dataDir, { recursive: true });
      fs.writeFileSync(path.join(dataDir, 'backups'), 'in the way');
      await expect(migrateWith(cfg.databaseUrl, migrationsDir(database.provider), hooks)).rejects.toThrow(/could not back the database up .* none was applied/);
      const applied = async () => withRawDb(cfg.databaseUrl, async (exec) => (await exec('SELECT migration_name FROM _prisma_migrations')).map((r) => r.migration_name));
      expect(await applied()).toEqual([INIT]);
      fs.rmSync(path.join(dataDir, 'backups'));
      // the upgrade, with its backup first
      await migrateWith(cfg.databaseUrl, migrationsDir(database.provider), hooks);
      expect((await applied()).length).toBe(readMigrations(migrationsDir(database.provider)).length);
      const files = fs.readdirSync(path.join(dataDir, 'backups'));
      expect(files).toEqual([expect.stringMatching(/^pre-migrate-\d{8}T\d{6}Z\.tar$/)]);
      const file = path.join(dataDir, 'backups', files[0]);
      expect(lines.join('\n')).toContain(file);
      const { manifest } = await readArchive(file);
      expect(manifest).toMatchObject({ content: 'database', migrations: [INIT], provider: database.provider });
      expect(manifest.counts.User).toBe(1);
      // up to date: no more backups
      await migrateWith(cfg.databaseUrl, migrationsDir(database.provider), hooks);
      expect(fs.readdirSync(path.join(dataDir, 'backups'))).toHaveLength(1);
    } finally {
      await database.cleanup();
    }
  });

  it('npm start and the CLI write it (SQLite)', () => {
    if (t.provider !== 'sqlite') return; // same code path on PostgreSQL, tested above
    const dataDir = path.join(tmp, 'cli-pre');
    const file = path.join(dataDir, 'masklab.db');
    return (async () => {
      await migrateSqlite(`file:${file}`, initOnly('sqlite'));
      await withRawDb(`file:${file}`, (exec) =>
        exec(`INSERT INTO "User" ("id", "email", "passwordHash", "role", "updatedAt") VALUES ('u1', 'old@example.com', 'h', 'admin', '2026-11-27T10:00:00.000Z')`),
      );
      const env = { ...process.env, MASKLAB_DATA_DIR: dataDir, MASKLAB_MODELS_DIR: path.join(tmp, 'cli-pre-models'), DATABASE_URL: '', TEST_DATABASE_URL: '' };
      const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'jobs/cli.ts', 'user', 'list'], { cwd: path.join(__dirname, '..', '..'), env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/backed the database up to .*pre-migrate-.*\.tar before applying \d+ migration/);
      expect(fs.readdirSync(path.join(dataDir, 'backups'))).toHaveLength(1);
      expect(r.stdout).toContain('old@example.com');
    })();
  });
});
