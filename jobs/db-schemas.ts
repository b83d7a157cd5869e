// Writes prisma/postgresql/schema.prisma from prisma/schema.prisma (the source of truth).
// Prisma fixes a generated client to one provider, so masklab keeps one schema per
// provider and generates a client for each; the models are identical.
import fs from 'node:fs';
import path from 'node:path';

export const SQLITE_SCHEMA = path.join('prisma', 'schema.prisma');
export const POSTGRES_SCHEMA = path.join('prisma', 'postgresql', 'schema.prisma');

export function postgresSchemaFrom(source: string): string {
  const out = source
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('output     = "../lib/db/generated/sqlite"', 'output     = "../../lib/db/generated/postgresql"')
    .replace(
      '// This file is the single source of truth.',
      '// GENERATED from prisma/schema.prisma by `npm run cli -- db schemas`: do not edit.',
    );
  if (!out.includes('"postgresql"') || !out.includes('generated/postgresql')) {
    throw new Error('prisma/schema.prisma: datasource provider or generator output line not found');
  }
  return out;
}

export function writePostgresSchema(root = process.cwd()): boolean {
  const src = fs.readFileSync(path.join(root, SQLITE_SCHEMA), 'utf8');
  const target = path.join(root, POSTGRES_SCHEMA);
  const next = postgresSchemaFrom(src);
  const prev = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
  if (prev === next) return false;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, next);
  return true;
}
