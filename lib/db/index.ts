// The Prisma client, on the driver adapter that DATABASE_URL names. No native engine
// is used (engineType = "client"), so nothing is ever downloaded.
import { PrismaClient as SqliteClient, Prisma } from './generated/sqlite';
import { config } from '../config';

/** Both generated clients share one model set; the SQLite client's types stand for both. */
export type Db = SqliteClient;
export type Tx = Prisma.TransactionClient;
export { Prisma };

export function createDb(url: string): Db {
  if (url.startsWith('file:')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PrismaBetterSQLite3 } = require('@prisma/adapter-better-sqlite3') as typeof import('@prisma/adapter-better-sqlite3');
    return new SqliteClient({ adapter: new (immediateTransactions(PrismaBetterSQLite3))({ url, timeout: 10_000 }) });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PrismaPg } = require('@prisma/adapter-pg') as typeof import('@prisma/adapter-pg');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PrismaClient: PgClient } = require('./generated/postgresql') as { PrismaClient: new (o: object) => unknown };
  return new PgClient({ adapter: new PrismaPg({ connectionString: url }) }) as Db;
}

/**
 * Transactions on SQLite begin with BEGIN IMMEDIATE, taking the write lock at the start (waiting
 * up to the busy timeout for it). With the adapter's deferred BEGIN, a transaction that reads
 * and then writes fails at once with SQLITE_BUSY_SNAPSHOT ("database is locked", no busy wait)
 * when another process (the worker, next to the web app) committed in between: POST /api/labels
 * answered 500 under `npm run bench -- load` while a retrain wrote its progress.
 */
type SqliteAdapterFactory = typeof import('@prisma/adapter-better-sqlite3').PrismaBetterSQLite3;
function immediateTransactions(Factory: SqliteAdapterFactory): SqliteAdapterFactory {
  return class extends Factory {
    async connect() {
      const adapter = await super.connect();
      const client = (adapter as unknown as { client?: { prepare?: (sql: string) => unknown } }).client;
      if (typeof client?.prepare !== 'function') throw new Error('masklab: @prisma/adapter-better-sqlite3 changed: cannot make transactions immediate');
      const prepare = client.prepare.bind(client);
      client.prepare = (sql: string) => prepare(sql === 'BEGIN' ? 'BEGIN IMMEDIATE' : sql);
      return adapter;
    }
  };
}

const g = globalThis as unknown as { __masklabDb?: Db };

/** The process-wide client (kept across Next.js hot reloads). */
export function db(): Db {
  g.__masklabDb ??= createDb(config().databaseUrl);
  return g.__masklabDb;
}

/**
 * A list in chunks of `size` for `in` lists of updateMany / deleteMany / createMany: the engine
 * splits long `in` lists of reads, not of writes, and SQLite takes at most 999 bound values a statement.
 */
/** Whether a client talks to PostgreSQL (else SQLite): for the few raw queries written per dialect. */
export function isPostgres(db: Db): boolean {
  // The PostgreSQL client is a different generated class; its engine reports the provider.
  const provider = (db as unknown as { _engineConfig?: { activeProvider?: string } })._engineConfig?.activeProvider;
  return provider === 'postgresql';
}

export function chunks<T>(xs: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * Prisma error codes, checked by code rather than `instanceof`: the SQLite and the
 * PostgreSQL client each have their own error classes.
 */
export function prismaErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^P\d{4}$/.test(code) ? code : undefined;
}
/** A unique constraint was violated (P2002). */
export const isUniqueViolation = (err: unknown) => prismaErrorCode(err) === 'P2002';
/** The record to update or delete does not exist (P2025). */
export const isNotFound = (err: unknown) => prismaErrorCode(err) === 'P2025';
