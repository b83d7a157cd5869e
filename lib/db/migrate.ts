// Applies the committed migration SQL (prisma/migrations for SQLite,
// prisma/postgresql/migrations for PostgreSQL) with no Prisma CLI and no download.
// Bookkeeping uses Prisma's own `_prisma_migrations` table and checksums, so the
// database stays compatible with `prisma migrate deploy`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type Migration = { name: string; sql: string; checksum: string };
export type MigrateResult = { applied: string[]; alreadyApplied: number };
/** beforeApply runs once, before anything is changed, when migrations are pending (npm start backs up there). */
export type MigrateHooks = { beforeApply?: (pending: string[]) => Promise<void> | void };

const ROOT = path.resolve(__dirname, '..', '..');

export function migrationsDir(provider: 'sqlite' | 'postgresql'): string {
  return provider === 'sqlite'
    ? path.join(ROOT, 'prisma', 'migrations')
    : path.join(ROOT, 'prisma', 'postgresql', 'migrations');
}

export function readMigrations(dir: string): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_TABLE = (ts: string) => `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" ${ts},
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" ${ts},
  "started_at" ${ts} NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

type Applied = { migration_name: string; checksum: string; finished_at: unknown };

function plan(migrations: Migration[], applied: Applied[]): Migration[] {
  const done = new Map(applied.filter((a) => a.finished_at != null).map((a) => [a.migration_name, a.checksum]));
  const failed = applied.find((a) => a.finished_at == null);
  if (failed) {
    throw new Error(
      `migration ${failed.migration_name} failed earlier and was never finished; fix the database by hand, ` +
        `then delete its row from _prisma_migrations`,
    );
  }
  for (const [name, checksum] of done) {
    const m = migrations.find((x) => x.name === name);
    if (m && m.checksum !== checksum) {
      throw new Error(`migration ${name} was edited after it was applied (checksum differs); add a new migration instead`);
    }
  }
  return migrations.filter((m) => !done.has(m.name));
}

/**
 * SQLite: all pending migrations in one IMMEDIATE transaction (it serialises two processes
 * starting at once), with foreign keys OFF. Prisma writes many schema changes as table
 * rebuilds (`CREATE TABLE "new_X" … DROP TABLE "X" … RENAME`); with foreign keys on, the DROP
 * would delete every child row through ON DELETE CASCADE. `PRAGMA foreign_keys` is a no-op
 * inside a transaction, so it is switched off before BEGIN, and `PRAGMA foreign_key_check`
 * runs before COMMIT: a migration that leaves a dangling reference is rolled back whole.
 */
export async function migrateSqlite(url: string, dir = migrationsDir('sqlite'), hooks: MigrateHooks = {}): Promise<MigrateResult> {
  const { default: Database } = await import('better-sqlite3');
  const file = url.replace(/^file:/, '');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 10_000 });
  try {
    // The web app and the worker share the file. Switching to WAL needs the file to itself and
    // SQLite answers SQLITE_BUSY at once (no busy handler) while another process that starts
    // together is inside its migration transaction: wait for it, as the timeout above does.
    await whenNotBusy(() => db.pragma('journal_mode = WAL'), 60_000);
    db.exec(CREATE_TABLE('DATETIME'));
    const migrations = readMigrations(dir);
    const pending = () =>
      plan(migrations, db.prepare('SELECT migration_name, checksum, finished_at FROM _prisma_migrations').all() as Applied[]);
    const first = pending();
    if (first.length && hooks.beforeApply) await hooks.beforeApply(first.map((m) => m.name));
    db.pragma('foreign_keys = OFF');
    const run = db.transaction(() => {
      const todo = pending(); // again, inside the lock: another process may have migrated meanwhile
      for (const m of todo) {
        try {
          db.exec(m.sql);
        } catch (err) {
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
        }
        const broken = db.prepare('PRAGMA foreign_key_check').all() as { table: string; rowid: number; parent: string }[];
        if (broken.length) {
          const where = [...new Set(broken.map((b) => `${b.table} → ${b.parent}`))].join(', ');
          throw new Error(
            `migration ${m.name} would leave ${broken.length} row(s) pointing at rows that do not exist (${where}); ` +
              'nothing was changed',
          );
        }
        db.prepare(
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES (?, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)`,
        ).run(crypto.randomUUID(), m.checksum, m.name);
      }
      return { applied: todo.map((m) => m.name), alreadyApplied: migrations.length - todo.length };
    });
    try {
      // BEGIN IMMEDIATE waits up to the busy timeout; a long first migration by the other
      // process can outlast it on a loaded machine, and nothing has been done before BEGIN.
      return await whenNotBusy(() => run.immediate(), 120_000);
    } finally {
      db.pragma('foreign_keys = ON');
    }
  } finally {
    db.close();
  }
}

/** Retries `fn` while SQLite says SQLITE_BUSY, up to `ms`. */
async function whenNotBusy<T>(fn: () => T, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
}

export async function migratePostgres(url: string, dir = migrationsDir('postgresql'), hooks: MigrateHooks = {}): Promise<MigrateResult> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Several app instances and workers may start together: one migrates at a time.
    await client.query('SELECT pg_advisory_lock(72707369)');
    await client.query(CREATE_TABLE('TIMESTAMPTZ'));
    const migrations = readMigrations(dir);
    const { rows } = await client.query<Applied>('SELECT migration_name, checksum, finished_at FROM _prisma_migrations');
    const todo = plan(migrations, rows);
    if (todo.length && hooks.beforeApply) await hooks.beforeApply(todo.map((m) => m.name));
    for (const m of todo) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql); // simple query protocol: multi-statement scripts are fine
        await client.query(
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [crypto.randomUUID(), m.checksum, m.name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
      }
    }
    return { applied: todo.map((m) => m.name), alreadyApplied: migrations.length - todo.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock(72707369)').catch(() => {});
    await client.end();
  }
}

export function migrate(url: string, hooks: MigrateHooks = {}): Promise<MigrateResult> {
  return url.startsWith('file:') ? migrateSqlite(url, undefined, hooks) : migratePostgres(url, undefined, hooks);
}
