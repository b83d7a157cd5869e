// Prisma CLI configuration. masklab never lets the CLI download engines: it uses the
// bundled wasm schema engine ("js") through a driver adapter, and picks the schema
// for the provider that DATABASE_URL names (one schema per provider, like Umami).
import path from 'node:path';
import { defineConfig } from 'prisma/config';

const url = process.env.DATABASE_URL ?? 'file:./data/masklab.db';
const postgres = /^postgres(ql)?:\/\//.test(url);
const dir = postgres ? path.join('prisma', 'postgresql') : 'prisma';

export default defineConfig({
  experimental: { adapter: true },
  schema: path.join(dir, 'schema.prisma'),
  migrations: { path: path.join(dir, 'migrations') },
  engine: 'js',
  async adapter() {
    if (postgres) {
      const { PrismaPg } = await import('@prisma/adapter-pg');
      return new PrismaPg({ connectionString: url });
    }
    const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
    return new PrismaBetterSQLite3({ url });
  },
});
