// A fresh, migrated database per test file: a temp SQLite file, or a new database on
// the PostgreSQL server that TEST_DATABASE_URL (or DATABASE_URL) points at.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '@/lib/db';
import { migrate } from '@/lib/db/migrate';

export type TestDb = { db: Db; url: string; provider: 'sqlite' | 'postgresql'; cleanup: () => Promise<void> };

export function testServerUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  return url && /^postgres(ql)?:\/\//.test(url) ? url : undefined;
}

export async function freshDb(): Promise<TestDb> {
  const empty = await emptyDb();
  await migrate(empty.url);
  const db = createDb(empty.url);
  return {
    db,
    url: empty.url,
    provider: empty.provider,
    cleanup: async () => {
      await db.$disconnect();
      await empty.cleanup();
    },
  };
}

export type EmptyDb = { url: string; provider: 'sqlite' | 'postgresql'; cleanup: () => Promise<void> };

/** A database with nothing in it, not migrated (a temp SQLite path, or a new PostgreSQL database). */
export async function emptyDb(): Promise<EmptyDb> {
  const server = testServerUrl();
  if (!server) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-db-'));
    return { url: `file:${path.join(dir, 'test.db')}`, provider: 'sqlite', cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const { default: pg } = await import('pg');
  const name = `masklab_test_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(server);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    provider: 'postgresql',
    cleanup: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
