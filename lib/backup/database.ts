// The database half of a backup: a consistent snapshot while the app and worker keep writing,
// read through raw SQL (not the Prisma client) so that it works for a database at any
// migration, older ones included (the automatic backup runs before migrating).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What is read from the snapshot itself: its row counts, migrations and the photos whose files must be archived. */
export type SnapshotInfo = {
  counts: Record<string, number>;
  migrations: string[];
  photos: { id: string; sha256: string; faces: number[] }[];
};

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export const sqliteFile = (url: string) => url.replace(/^file:/, '');

type Rows = Record<string, unknown>[];

async function readInfo(query: (sql: string) => Promise<Rows>, quote: (t: string) => string, tables: string[], withPhotos: boolean): Promise<SnapshotInfo> {
  const counts: Record<string, number> = {};
  for (const t of [...tables].sort()) counts[t] = Number((await query(`SELECT count(*) AS n FROM ${quote(t)}`))[0].n);
  const migrations = tables.includes('_prisma_migrations')
    ? (await query('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name')).map((r) => String(r.migration_name))
    : [];
  const photos: SnapshotInfo['photos'] = [];
  if (withPhotos && tables.includes('Photo')) {
    const byId = new Map<string, SnapshotInfo['photos'][number]>();
    for (const r of await query('SELECT "id", "sha256" FROM "Photo"')) {
      const p = { id: String(r.id), sha256: String(r.sha256), faces: [] as number[] };
      byId.set(p.id, p);
      photos.push(p);
    }
    if (tables.includes('Face')) {
      for (const r of await query('SELECT "photoId", "index" FROM "Face"')) byId.get(String(r.photoId))?.faces.push(Number(r.index));
    }
  }
  return { counts, migrations, photos };
}

/** Counts rows of every table of a SQLite file (no snapshot: for a file nobody else writes). */
export async function sqliteInfo(file: string, withPhotos = true): Promise<SnapshotInfo> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
    return await readInfo(async (sql) => db.prepare(sql).all() as Rows, (t) => `"${t.replace(/"/g, '""')}"`, tables, withPhotos);
  } finally {
    db.close();
  }
}

/**
 * `VACUUM INTO` reads the live database in one read transaction: the copy is the database as
 * of one moment, while writers (WAL mode) carry on. The copy is then read for the manifest.
 */
export async function sqliteSnapshot(url: string, dest: string, withPhotos = true): Promise<SnapshotInfo> {
  const file = sqliteFile(url);
  if (!fs.existsSync(file)) throw new BackupError(`there is no database at ${file}`);
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file, { fileMustExist: true, timeout: 10_000 });
  try {
    db.prepare('VACUUM INTO ?').run(dest);
  } finally {
    db.close();
  }
  return sqliteInfo(dest, withPhotos);
}

/** `pg_dump`/`pg_restore`: on PATH, else the newest under /usr/lib/postgresql/<version>/bin (Debian, Ubuntu). */
export function findPgTool(name: 'pg_dump' | 'pg_restore', searchPath = process.env.PATH ?? '', pgLib = '/usr/lib/postgresql'): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  const versions = fs.existsSync(pgLib) ? fs.readdirSync(pgLib).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const p = path.join(pgLib, v, 'bin', name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** The tool's path, or a BackupError that says how to install it or back up by hand. */
export function needPgTool(name: 'pg_dump' | 'pg_restore', searchPath?: string, pgLib?: string): string {
  const p = findPgTool(name, searchPath, pgLib);
  if (!p) {
    throw new BackupError(
      `${name} was not found (looked on PATH and in /usr/lib/postgresql/*/bin). Install the PostgreSQL client tools ` +
        `of your server's major version or newer (Debian/Ubuntu: apt-get install postgresql-client), or back the ` +
        `database up by hand with pg_dump --format=custom (see "Backup and restore" in docs/operations.md)`,
    );
  }
  return p;
}

/** libpq does not know Prisma's own URL parameters (`schema`, `connection_limit`, …). */
export function libpqUrl(url: string): string {
  const u = new URL(url);
  for (const k of ['schema', 'connection_limit', 'pool_timeout', 'socket_timeout', 'pgbouncer', 'statement_cache_size', 'sslaccept']) {
    u.searchParams.delete(k);
  }
  return u.toString();
}

function runTool(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 20_000) err += c.toString();
    });
    child.on('error', (e) => reject(new BackupError(`${path.basename(bin)} could not start: ${e.message}`)));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new BackupError(`${path.basename(bin)} failed (exit ${code}): ${err.trim() || 'no message'}`)),
    );
  });
}

async function pgTables(query: (sql: string) => Promise<Rows>): Promise<string[]> {
  return (
    await query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
  ).map((r) => String(r.table_name));
}

/**
 * One REPEATABLE READ transaction exports its snapshot; `pg_dump --snapshot` dumps exactly that
 * snapshot, and the counts and photo list are read in the same transaction, so the manifest
 * describes the dump exactly, whatever is written meanwhile.
 */
export async function pgSnapshot(url: string, dest: string, withPhotos = true): Promise<SnapshotInfo> {
  const pgDump = needPgTool('pg_dump');
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snap = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0].id;
    const dump = runTool(pgDump, ['--format=custom', '--no-owner', '--no-privileges', `--snapshot=${snap}`, `--file=${dest}`, `--dbname=${libpqUrl(url)}`]);
    const query = async (sql: string) => (await client.query(sql)).rows as Rows;
    const info = await readInfo(query, (t) => `"${t.replace(/"/g, '""')}"`, await pgTables(query), withPhotos);
    await dump;
    await client.query('COMMIT');
    return info;
  } finally {
    await client.end();
  }
}

/** Row counts and migrations of a PostgreSQL database (for checking a restore). */
export async function pgInfo(url: string): Promise<SnapshotInfo> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const query = async (sql: string) => (await client.query(sql)).rows as Rows;
    return await readInfo(query, (t) => `"${t.replace(/"/g, '""')}"`, await pgTables(query), false);
  } finally {
    await client.end();
  }
}

/** Restores a `pg_dump --format=custom` file into an empty database, all or nothing. */
export async function pgRestore(url: string, dump: string): Promise<void> {
  const pgRestoreBin = needPgTool('pg_restore');
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await pgTables(async (sql) => (await client.query(sql)).rows as Rows);
    if (tables.length) {
      throw new BackupError(
        `the target database already has ${tables.length} table(s) (${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', …' : ''}); ` +
          'restore only into an empty database (create a new one, or drop its tables first)',
      );
    }
  } finally {
    await client.end();
  }
  await runTool(pgRestoreBin, ['--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${libpqUrl(url)}`, dump]);
}

/** Runs statements on a restored database with raw SQL (its schema may be older than this code's). */
export async function withRawDb<T>(url: string, fn: (exec: (sql: string, params?: unknown[]) => Promise<Rows>) => Promise<T>): Promise<T> {
  if (url.startsWith('file:')) {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(sqliteFile(url), { fileMustExist: true, timeout: 10_000 });
    try {
      db.pragma('foreign_keys = ON');
      return await fn(async (sql, params = []) => {
        const st = db.prepare(sql);
        return st.reader ? (st.all(...params) as Rows) : (st.run(...params), []);
      });
    } finally {
      db.close();
    }
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(async (sql, params = []) => {
      let i = 0;
      return (await client.query(sql.replace(/\?/g, () => `$${++i}`), params)).rows as Rows;
    });
  } finally {
    await client.end();
  }
}
