import fs from 'node:fs';
import { expect, it } from 'vitest';
import { POSTGRES_SCHEMA, postgresSchemaFrom, SQLITE_SCHEMA } from '@/jobs/db-schemas';

it('the PostgreSQL schema is generated from the SQLite one (run `npm run cli -- db schemas`)', () => {
  expect(fs.readFileSync(POSTGRES_SCHEMA, 'utf8')).toBe(postgresSchemaFrom(fs.readFileSync(SQLITE_SCHEMA, 'utf8')));
});
