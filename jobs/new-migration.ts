// `npm run db:migration -- <name>`: writes a new migration for SQLite and PostgreSQL
// from the change in prisma/schema.prisma since the last migration.
// Prisma's wasm engine cannot diff a live database here, so every migration folder
// keeps a snapshot of the schema it produces (schema.prisma) and the diff is
// snapshot → current schema. PostgreSQL needs a server: DATABASE_URL_PG, or the
// throw-away one that .ci/postgres.sh starts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { POSTGRES_SCHEMA, SQLITE_SCHEMA, writePostgresSchema } from './db-schemas';
import { migrationsDir } from '../lib/db/migrate';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration -- <name_in_snake_case>');
  process.exit(1);
}
writePostgresSchema();
const pgUrl =
  process.env.DATABASE_URL_PG ??
  execFileSync('bash', ['.ci/postgres.sh'], { encoding: 'utf8' }).match(/DATABASE_URL_PG=(\S+)/)![1];
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);

for (const [provider, schema, url] of [
  ['sqlite', SQLITE_SCHEMA, 'file:/tmp/masklab-diff.db'],
  ['postgresql', POSTGRES_SCHEMA, pgUrl],
] as const) {
  const dir = migrationsDir(provider);
  const last = fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'migration.sql'))).sort().pop();
  const from = last ? ['--from-schema-datamodel', path.join(dir, last, 'schema.prisma')] : ['--from-empty'];
  const sql = execFileSync(
    process.execPath,
    [require.resolve('prisma/build/index.js'), 'migrate', 'diff', ...from, '--to-schema-datamodel', schema, '--script'],
    { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (!sql.split('\n').some((l) => l.trim() && !l.startsWith('--'))) {
    console.log(`${provider}: no schema change`);
    continue;
  }
  const target = path.join(dir, `${stamp}_${name}`);
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'migration.sql'), sql);
  fs.copyFileSync(schema, path.join(target, 'schema.prisma'));
  console.log(`${provider}: wrote ${path.relative(process.cwd(), target)}/migration.sql`);
}
