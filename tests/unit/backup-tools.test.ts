// PostgreSQL backups need pg_dump/pg_restore: found on PATH or where Debian installs them, and a
// clear message (how to install, how to back up by hand) when they are not there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { findPgTool, libpqUrl, needPgTool } from '@/lib/backup/database';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-pgtools-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const touch = (p: string) => {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, '', { mode: 0o755 });
};

it('finds pg_dump on PATH first, else the newest /usr/lib/postgresql/<version>/bin', () => {
  const lib = path.join(dir, 'lib');
  touch(path.join(lib, '9', 'bin', 'pg_dump'));
  touch(path.join(lib, '15', 'bin', 'pg_dump'));
  touch(path.join(lib, '16', 'bin', 'pg_restore')); // 16 has no pg_dump
  expect(findPgTool('pg_dump', '', lib)).toBe(path.join(lib, '15', 'bin', 'pg_dump'));
  touch(path.join(dir, 'bin', 'pg_dump'));
  expect(findPgTool('pg_dump', `/nowhere${path.delimiter}${path.join(dir, 'bin')}`, lib)).toBe(path.join(dir, 'bin', 'pg_dump'));
});

it('says how to install it or back up by hand when it is missing', () => {
  expect(findPgTool('pg_restore', '', path.join(dir, 'none'))).toBeNull();
  expect(() => needPgTool('pg_dump', '', path.join(dir, 'none'))).toThrow(/pg_dump was not found.*apt-get install postgresql-client.*by hand/s);
});

it("drops Prisma's own URL parameters, which libpq refuses", () => {
  expect(libpqUrl('postgresql://u:p@h:5432/db?schema=public&connection_limit=5&sslmode=require')).toBe('postgresql://u:p@h:5432/db?sslmode=require');
});
