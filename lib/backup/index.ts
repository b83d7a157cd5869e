// `backup <file>` and `restore <file>`: one tar archive holding everything an instance needs —
// the database, the stored photo files (originals and derived images), the models folder and
// the session secret — written while the app and worker keep running.
//
// Archive layout (a plain tar; `tar -tf` lists it):
//   database/masklab.db        SQLite: a `VACUUM INTO` copy      | database/masklab.pgdump  PostgreSQL: pg_dump --format=custom
//   auth-secret                the key that signs session cookies (when there is one)
//   models/<run>/…             the models folder (MASKLAB_MODELS_DIR)
//   store/objects/…, store/derived/…   the photo files of every photo in the database copy
//   manifest.json              last: version, provider, row counts per table, migrations, …
//
// Consistency while others write. The database is copied FIRST, as of one moment (see
// ./database), and the files are chosen FROM THAT COPY: every photo row in it gets its
// original, display copy, thumbnail and face crops. That works because of the order in which
// masklab writes (lib/dataset/ingest.ts, photos.ts): files are stored before their Photo row
// is committed, so every row in the copy already had its files on disk when the copy was
// taken; a photo added later is simply not in the backup (neither row nor files). The one
// race left is a deletion: the row goes first, then the files, so a photo deleted after the
// copy may have lost files before they are read. Each file is opened once and read from the
// open handle (a delete cannot cut it short); a photo with a file that is gone is looked up in
// the live database: when its row is gone too it was deleted during the backup, and it is
// listed in the manifest (`photosDeletedDuringBackup`) and removed on restore, as the app did;
// a photo whose row still exists but whose files are missing was already damaged
// (`photosMissingFiles`, what `storage check` reports). Model folders are written whole and
// renamed into place before a Run row points at them, so the models folder read after the
// database copy holds every model the copy refers to.
import fs from 'node:fs';
import path from 'node:path';
import { faceKey, LocalStore, photoKeys, shaOfKey, type BlobStore } from '../storage';
import { readSharedModels, restoreSharedFile, sharedTarget } from './shared';
import { migrationsDir, readMigrations } from '../db/migrate';
import { masklabVersion } from '../config';
import {
  BackupError,
  pgInfo,
  pgRestore,
  pgSnapshot,
  type SnapshotInfo,
  sqliteFile,
  sqliteInfo,
  sqliteSnapshot,
  withRawDb,
} from './database';
import { extractEntry, listTar, readEntry, safeEntryName, TarWriter, type TarEntry } from './tar';

export { BackupError, findPgTool } from './database';

export const MANIFEST = 'manifest.json';
const SECRET = 'auth-secret';
const MODEL_TEMP_PREFIX = '.tmp-';

export type Manifest = {
  format: 'masklab-backup';
  version: 1;
  created: string;
  masklabVersion: string;
  provider: 'sqlite' | 'postgresql';
  /** `database`: only the database and the secret (the automatic backup before migrating). */
  content: 'full' | 'database';
  database: { entry: string; format: 'sqlite' | 'pg_dump-custom' };
  /** Applied migrations of the database copy. */
  migrations: string[];
  /** Rows per table in the database copy (every table, `_prisma_migrations` included). */
  counts: Record<string, number>;
  /** The models folder the backup was taken from: Run.modelDir paths under it are moved on restore. */
  modelsDir: string;
  files: { store: number; models: number };
  secret: boolean;
  photosDeletedDuringBackup: string[];
  photosMissingFiles: string[];
};

export type InstanceLocation = {
  databaseUrl: string;
  dataDir: string;
  modelsDir: string;
  /**
   * Defaults to the local store under `<dataDir>/store`. An S3 store (MASKLAB_STORAGE): photo files and
   * model folders are read from it (backup) and written to it (restore), under its `models/` keys.
   */
  store?: BlobStore;
};

export type BackupOptions = InstanceLocation & {
  /** NEXTAUTH_SECRET, archived when the data folder has no auth-secret file. */
  nextAuthSecret?: string;
  databaseOnly?: boolean;
  /** Test hook: runs after the database copy, before the files are read. */
  afterSnapshot?: () => Promise<void>;
};

const providerOf = (url: string) => (url.startsWith('file:') ? 'sqlite' : 'postgresql');

async function* walk(root: string, rel = ''): AsyncGenerator<string> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(path.join(root, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* walk(root, r);
    else if (e.isFile()) yield r;
  }
}

/** Writes a backup archive to `file` (refuses to overwrite). Returns its manifest. */
export async function backup(file: string, opts: BackupOptions): Promise<Manifest> {
  const out = path.resolve(file);
  if (fs.existsSync(out)) throw new BackupError(`${out} already exists; choose a new file name`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const provider = providerOf(opts.databaseUrl);
  const tmp = `${out}.partial-${process.pid}`;
  const snapFile = `${out}.db-${process.pid}`;
  const full = !opts.databaseOnly;
  const tar = await TarWriter.create(tmp);
  try {
    fs.rmSync(snapFile, { force: true });
    const info: SnapshotInfo =
      provider === 'sqlite' ? await sqliteSnapshot(opts.databaseUrl, snapFile, full) : await pgSnapshot(opts.databaseUrl, snapFile, full);
    const dbEntry = provider === 'sqlite' ? 'database/masklab.db' : 'database/masklab.pgdump';
    await tar.addFile(dbEntry, snapFile, 0o600);
    fs.rmSync(snapFile, { force: true });
    await opts.afterSnapshot?.();

    let secret = await tar.addFile(SECRET, path.join(opts.dataDir, SECRET), 0o600);
    if (!secret && opts.nextAuthSecret) {
      await tar.addBuffer(SECRET, opts.nextAuthSecret, 0o600);
      secret = true;
    }

    let models = 0;
    let stored = 0;
    const broken: string[] = [];
    if (full) {
      const store = opts.store ?? new LocalStore(path.join(opts.dataDir, 'store'));
      if (store instanceof LocalStore) {
        for await (const rel of walk(opts.modelsDir)) {
          if (rel.startsWith(MODEL_TEMP_PREFIX)) continue; // a model being written right now (see registry.saveModel)
          if (await tar.addFile(`models/${rel}`, path.join(opts.modelsDir, rel))) models++;
        }
      } else {
        // Shared object storage: the models there (complete ones: saveModel uploads meta.json last, before
        // the run records the model) are the instance's; the local models folder is only a cache.
        models += await readSharedModels(store, tar);
      }
      for (const p of info.photos) {
        const keys = [...photoKeys(p.sha256, 0), ...p.faces.map((i) => faceKey(p.sha256, i))];
        let complete = true;
        for (const key of keys) {
          let ok: boolean;
          if (store instanceof LocalStore) ok = await tar.addFile(`store/${key}`, path.join(store.root, ...key.split('/')));
          else {
            const data = await store.get(key);
            ok = data !== null;
            if (data) await tar.addBuffer(`store/${key}`, data, 0o644);
          }
          if (ok) stored++;
          else complete = false;
        }
        if (!complete) broken.push(p.id);
      }
    }
    // Photos with files missing: deleted since the copy (their row is gone too), or damaged before.
    let deleted: string[] = [];
    if (broken.length) {
      const live = new Set<string>();
      await withRawDb(opts.databaseUrl, async (exec) => {
        for (const id of broken) if ((await exec('SELECT "id" FROM "Photo" WHERE "id" = ?', [id])).length) live.add(id);
      });
      deleted = broken.filter((id) => !live.has(id));
    }
    const manifest: Manifest = {
      format: 'masklab-backup',
      version: 1,
      created: new Date().toISOString(),
      masklabVersion: masklabVersion(),
      provider,
      content: full ? 'full' : 'database',
      database: { entry: dbEntry, format: provider === 'sqlite' ? 'sqlite' : 'pg_dump-custom' },
      migrations: info.migrations,
      counts: info.counts,
      modelsDir: path.resolve(opts.modelsDir),
      files: { store: stored, models },
      secret,
      photosDeletedDuringBackup: deleted,
      photosMissingFiles: broken.filter((id) => !deleted.includes(id)),
    };
    await tar.addBuffer(MANIFEST, JSON.stringify(manifest, null, 2));
    await tar.finish();
    fs.renameSync(tmp, out);
    return manifest;
  } catch (err) {
    await tar.abort();
    throw err;
  } finally {
    fs.rmSync(snapFile, { force: true });
  }
}

const TOP = new Set(['database', 'models', 'store']);

/** Opens an archive: every entry name is checked before anything is written. */
export async function readArchive(file: string): Promise<{ manifest: Manifest; entries: TarEntry[] }> {
  let entries: TarEntry[];
  try {
    entries = await listTar(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BackupError(code === 'ENOENT' ? `no such file: ${file}` : `${file} is not a masklab backup: ${(err as Error).message}`);
  }
  for (const e of entries) {
    const name = e.name.replace(/\/$/, '');
    if (!safeEntryName(e.name)) throw new BackupError(`refusing the archive: unsafe entry name ${JSON.stringify(e.name)}`);
    if (e.type === 'other') throw new BackupError(`refusing the archive: ${e.name} is not a plain file or folder`);
    if (e.type === 'file' && name !== MANIFEST && name !== SECRET && !TOP.has(name.split('/')[0])) {
      throw new BackupError(`refusing the archive: unexpected entry ${e.name}`);
    }
    if (name.startsWith('store/') && e.type === 'file' && !shaOfKey(name.slice('store/'.length))) {
      throw new BackupError(`refusing the archive: ${e.name} is not a photo file`);
    }
  }
  const m = entries.find((e) => e.name === MANIFEST);
  if (!m) throw new BackupError(`${file} is not a masklab backup (it has no ${MANIFEST})`);
  const fh = await fs.promises.open(file, 'r');
  let manifest: Manifest;
  try {
    manifest = JSON.parse((await readEntry(fh, m)).toString('utf8')) as Manifest;
  } catch {
    throw new BackupError(`${file}: ${MANIFEST} is not valid JSON`);
  } finally {
    await fh.close();
  }
  if (manifest.format !== 'masklab-backup' || manifest.version !== 1) {
    throw new BackupError(`${file} is not a masklab backup of a version this masklab reads (format ${manifest.format}, version ${manifest.version})`);
  }
  if (!entries.some((e) => e.name === manifest.database.entry)) throw new BackupError(`${file} lacks its database (${manifest.database.entry})`);
  return { manifest, entries };
}

function isEmptyDir(dir: string): boolean {
  return !fs.existsSync(dir) || fs.readdirSync(dir).length === 0;
}

export type RestoreResult = { manifest: Manifest; counts: Record<string, number>; files: { store: number; models: number } };

/**
 * Restores an archive into an empty data folder and models folder (and, on PostgreSQL, an empty
 * database), then checks the restored row counts against the manifest. On failure the folders
 * are emptied again.
 */
export async function restore(file: string, opts: InstanceLocation & { log?: (line: string) => void }): Promise<RestoreResult> {
  const { manifest, entries } = await readArchive(path.resolve(file));
  const provider = providerOf(opts.databaseUrl);
  if (manifest.content !== 'full') {
    throw new BackupError(
      'this archive holds only the database (an automatic backup taken before migrating); restore it by hand as the ' +
        '"Backup and restore" section of docs/operations.md describes',
    );
  }
  if (manifest.provider !== provider) {
    throw new BackupError(`this is a backup of a ${manifest.provider} database, but DATABASE_URL points at ${provider}; restore it into the same kind`);
  }
  const known = new Set(readMigrations(migrationsDir(provider)).map((m) => m.name));
  const newer = manifest.migrations.filter((m) => !known.has(m));
  if (newer.length) throw new BackupError(`this backup was made by a newer masklab (migrations ${newer.join(', ')} are unknown here); upgrade first`);
  const dataDir = path.resolve(opts.dataDir);
  const modelsDir = path.resolve(opts.modelsDir);
  for (const [what, dir] of [['data folder (MASKLAB_DATA_DIR)', dataDir], ['models folder (MASKLAB_MODELS_DIR)', modelsDir]]) {
    if (!isEmptyDir(dir)) throw new BackupError(`the ${what} ${dir} is not empty; restore only into empty folders`);
  }
  // An S3 store (MASKLAB_STORAGE) receives the photo files and models; it must be empty too.
  const shared = await sharedTarget(opts.store);
  const dbFile = provider === 'sqlite' ? sqliteFile(opts.databaseUrl) : null;
  if (dbFile && fs.existsSync(dbFile)) throw new BackupError(`the database file ${dbFile} already exists; restore only into a new one`);

  const fh = await fs.promises.open(path.resolve(file), 'r');
  const cleanup = () => {
    for (const dir of [dataDir, modelsDir]) {
      if (fs.existsSync(dir)) for (const e of fs.readdirSync(dir)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
    }
    if (dbFile) for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, `${dbFile}-journal`]) fs.rmSync(f, { force: true });
  };
  const cleanupShared = async () => {
    if (shared) for (const key of shared.written) await shared.store.delete(key).catch(() => {});
  };
  let restoredDb = false;
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.mkdirSync(modelsDir, { recursive: true });
    const dbEntry = entries.find((e) => e.name === manifest.database.entry)!;
    if (dbFile) {
      fs.mkdirSync(path.dirname(dbFile), { recursive: true });
      await extractEntry(fh, dbEntry, dbFile, 0o600);
    } else {
      const dump = path.join(dataDir, `.restore-${process.pid}.pgdump`);
      try {
        await extractEntry(fh, dbEntry, dump, 0o600);
        await pgRestore(opts.databaseUrl, dump);
      } finally {
        fs.rmSync(dump, { force: true });
      }
    }
    restoredDb = true;
    const info = dbFile ? await sqliteInfo(dbFile, false) : await pgInfo(opts.databaseUrl);
    const wrong = Object.entries(manifest.counts).filter(([t, n]) => info.counts[t] !== n);
    if (wrong.length) {
      throw new BackupError(`the restored database does not match the manifest: ${wrong.map(([t, n]) => `${t} has ${info.counts[t] ?? 'no table'}, expected ${n}`).join('; ')}`);
    }

    // Runs record their model folder as a path: move those under the old models folder to the new one.
    const deletedShas = new Set<string>();
    await withRawDb(opts.databaseUrl, async (exec) => {
      for (const r of await exec('SELECT "id", "modelDir" FROM "Run" WHERE "modelDir" IS NOT NULL')) {
        const rel = path.relative(manifest.modelsDir, String(r.modelDir));
        if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
          await exec('UPDATE "Run" SET "modelDir" = ? WHERE "id" = ?', [path.join(modelsDir, rel), r.id]);
        }
      }
      for (const id of manifest.photosDeletedDuringBackup) {
        const row = await exec('SELECT "sha256" FROM "Photo" WHERE "id" = ?', [id]);
        if (row.length) deletedShas.add(String(row[0].sha256));
        await exec('DELETE FROM "Photo" WHERE "id" = ?', [id]); // as the app did while the backup ran
      }
    });

    const files = { store: 0, models: 0 };
    for (const e of entries) {
      if (e.type !== 'file' || e.name === MANIFEST || e.name === manifest.database.entry) continue;
      let dest: string;
      let mode = 0o644;
      if (e.name === SECRET) {
        dest = path.join(dataDir, SECRET);
        mode = 0o600;
      } else if (e.name.startsWith('models/')) {
        files.models++;
        if (shared) {
          await restoreSharedFile(shared, fh, e, e.name);
          continue;
        }
        dest = path.join(modelsDir, ...e.name.slice('models/'.length).split('/'));
      } else if (e.name.startsWith('store/')) {
        if (deletedShas.has(shaOfKey(e.name.slice('store/'.length))!)) continue;
        files.store++;
        if (shared) {
          await restoreSharedFile(shared, fh, e, e.name.slice('store/'.length));
          continue;
        }
        dest = path.join(dataDir, 'store', ...e.name.slice('store/'.length).split('/'));
      } else continue;
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      await extractEntry(fh, e, dest, mode);
    }
    return { manifest, counts: info.counts, files };
  } catch (err) {
    cleanup();
    await cleanupShared();
    if (restoredDb && !dbFile) {
      (err as Error).message += ' (the data and models folders were emptied again; drop the restored tables before trying again)';
    }
    throw err;
  } finally {
    await fh.close();
  }
}

/** Whether any table other than Prisma's bookkeeping holds a row (a database worth backing up). */
export async function holdsData(url: string): Promise<boolean> {
  if (url.startsWith('file:') && !fs.existsSync(sqliteFile(url))) return false;
  return withRawDb(url, async (exec) => {
    const tables = url.startsWith('file:')
      ? await exec("SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      : await exec("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
    for (const { t } of tables) {
      if (t === '_prisma_migrations') continue;
      if ((await exec(`SELECT 1 AS x FROM "${String(t).replace(/"/g, '""')}" LIMIT 1`)).length) return true;
    }
    return false;
  });
}

/**
 * The automatic backup before migrations: database and session secret only (photo files and
 * models are not touched by migrations), to `<dataDir>/backups/pre-migrate-<time>.tar`.
 * Returns the file, or null when the database holds nothing yet.
 */
export async function preMigrateBackup(loc: InstanceLocation & { nextAuthSecret?: string }, now = new Date()): Promise<string | null> {
  if (!(await holdsData(loc.databaseUrl))) return null;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let file = path.join(loc.dataDir, 'backups', `pre-migrate-${stamp}.tar`);
  if (fs.existsSync(file)) file = file.replace(/\.tar$/, `-${process.pid}.tar`); // two processes starting at once
  await backup(file, { ...loc, databaseOnly: true });
  return file;
}
