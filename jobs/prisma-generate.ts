// postinstall: generate a Prisma client for SQLite and one for PostgreSQL, offline.
// Uses the bundled wasm engines only (prisma.config.ts sets engine "js").
import { spawnSync } from 'node:child_process';
import { writePostgresSchema } from './db-schemas';

writePostgresSchema();
for (const url of ['file:./data/masklab.db', 'postgresql://localhost/masklab']) {
  const r = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
  });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`prisma generate failed for ${url.split(':')[0]}`);
  }
}
console.log('masklab: generated Prisma clients for SQLite and PostgreSQL');
