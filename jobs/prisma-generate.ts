// postinstall: generate a Prisma client for SQLite and one for PostgreSQL, offline.
// Uses the bundled wasm engines only (prisma.config.ts sets engine "js").
import { execFileSync } from 'node:child_process';
import { writePostgresSchema } from './db-schemas';

writePostgresSchema();
for (const url of ['file:./data/masklab.db', 'postgresql://localhost/masklab']) {
  execFileSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
  });
}
console.log('masklab: generated Prisma clients for SQLite and PostgreSQL');
