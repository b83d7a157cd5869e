// What every process does before it serves: bring the schema up to date and, on a
// brand-new database, create the first admin.
import { type Config } from './config';
import { migrate } from './db/migrate';
import { db } from './db';
import { ensureAdmin } from './auth/users';

export async function prepareDatabase(cfg: Config, log: (line: string) => void = console.log): Promise<void> {
  const { applied } = await migrate(cfg.databaseUrl);
  if (applied.length) log(`masklab: applied ${applied.length} migration(s): ${applied.join(', ')}`);
  const admin = await ensureAdmin(db(), cfg.adminEmail, cfg.adminPassword);
  if (admin.created) {
    const rule = '─'.repeat(60);
    log(rule);
    log('masklab: created the first admin account');
    log(`  e-mail:   ${admin.email}`);
    log(admin.generated ? `  password: ${admin.password}   (shown once: change it on your Account page)` : '  password: the one in MASKLAB_ADMIN_PASSWORD');
    log(rule);
  }
}
