// What every process does before it serves: bring the schema up to date and, on a
// brand-new database, create the first admin.
import { type Config } from './config';
import { migrate, type MigrateHooks } from './db/migrate';
import { preMigrateBackup } from './backup';
import { db } from './db';
import { ensureAdmin } from './auth/users';
import { checkStore } from './storage';

export async function prepareDatabase(cfg: Config, log: (line: string) => void = console.log): Promise<void> {
  // S3 storage (MASKLAB_STORAGE): the bucket must exist before anything is written (HeadBucket; the
  // error names the bucket and the endpoint). The local store needs no check.
  await checkStore();
  const { applied } = await migrate(cfg.databaseUrl, backupBeforeMigrating(cfg, log));
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

/**
 * Before pending migrations touch a database that holds data, write a backup of it (database
 * and session secret) to `<dataDir>/backups/`. A backup that fails stops the start: nothing
 * has been changed then.
 */
export function backupBeforeMigrating(cfg: Config, log: (line: string) => void): MigrateHooks {
  if (!cfg.backupBeforeMigrate) return {};
  return {
    beforeApply: async (pending) => {
      let file: string | null;
      try {
        file = await preMigrateBackup({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, modelsDir: cfg.modelsDir, nextAuthSecret: cfg.nextAuthSecret });
      } catch (err) {
        throw new Error(
          `masklab: could not back the database up before applying ${pending.length} migration(s), so none was applied: ` +
            `${(err as Error).message}. Fix that and start again, or back up by hand and start with MASKLAB_BACKUP_BEFORE_MIGRATE=0`,
        );
      }
      if (file) log(`masklab: backed the database up to ${file} before applying ${pending.length} migration(s)`);
    },
  };
}
