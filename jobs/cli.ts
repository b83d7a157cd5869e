// masklab command line: `npm run cli -- <command>`. Uses lib/ directly (no web server needed).
import { parseArgs } from 'node:util';
import { config, ConfigError } from '../lib/config';
import { db } from '../lib/db';
import { prepareDatabase } from '../lib/bootstrap';
import { roleSchema } from '../lib/auth/roles';
import { HttpError } from '../lib/errors';
import { createUser, listUsers, resetPassword, setDisabled, setRole } from '../lib/auth/users';
import { unlockAccount } from '../lib/auth/throttle';
import { writePostgresSchema } from './db-schemas';
import { defaultIngestOptions } from '../lib/dataset/ingest';
import { importPath } from '../lib/import/folder';
import { ensureEvalSet } from '../lib/dataset/eval-sets';
import { finishImport } from '../lib/import/finish';
import { parseLabel, LABELS } from '../lib/classes';
import { checkStorage } from '../lib/housekeeping/storage-check';
import { store } from '../lib/storage';
import { incomingDir } from '../lib/import/incoming';
import { storageSummary } from './cli-storage';
import { TRAINING_COMMANDS, TRAINING_HELP, trainingCommand } from './cli-training';
import { backup, BackupError, restore } from '../lib/backup';

const HELP = `masklab CLI

Usage: npm run cli -- <command> [options]

  user add <email> --role <admin|labeler|viewer> [--password <pw>] [--name <name>]
  user list
  user role <email> <role>
  user disable <email> | user enable <email>
  user password <email> [--password <pw>]     (prints a generated one when omitted; ends the
                                               user's sessions and API tokens)
  user unlock <email>                          clear the sign-in throttle of an account
  import <dir|zip|image> [--labels-from-folders] [--label <class>] [--as <email>] [--batch <tag>] [--eval-set <name>]
                                               import photos (ImageFolder layout: <class>/*.jpg,
                                               train|val|test/<class>/*.jpg); prints a JSON summary.
                                               --batch names the import (default: the folder or zip name);
                                               --eval-set makes it an evaluation set (never trained on;
                                               folders young/old or mask/nomask label one attribute)
  storage check [--fix]                        compare stored files with the database; list orphan and
                                               temporary files, model folders no run owns and leftover
                                               uploads (--fix removes those older than 10 minutes, and at
                                               once the model folders of runs that failed or whose job ended)
  db migrate                                   apply pending migrations
  db schemas                                   regenerate prisma/postgresql/schema.prisma
  backup <file.tar>                            write a backup of this instance (database, photo files,
                                               models, session secret) while it runs
  restore <file.tar>                           restore a backup into an empty MASKLAB_DATA_DIR and
                                               MASKLAB_MODELS_DIR (and, on PostgreSQL, an empty database)
${TRAINING_HELP}`;

export class CliError extends Error {}

async function userByEmail(email: string) {
  const u = await db().user.findUnique({ where: { email: email.trim().toLowerCase() } });
  if (!u) throw new CliError(`no user with e-mail ${email}`);
  return u;
}

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      'labels-from-folders': { type: 'boolean' },
      label: { type: 'string' },
      as: { type: 'string' },
      fix: { type: 'boolean' },
      wait: { type: 'boolean' },
      json: { type: 'boolean' },
      seed: { type: 'string' },
      batch: { type: 'string' },
      'eval-set': { type: 'string' },
      top: { type: 'string' },
      weighting: { type: 'string' },
      views: { type: 'string' },
      'whole-photos': { type: 'boolean' },
      classes: { type: 'string' },
      split: { type: 'string' },
      backbone: { type: 'string' },
    },
  });
  const [group, cmd, ...rest] = positionals;
  if (values.help || !group) {
    console.log(HELP);
    return;
  }
  const cfg = config();
  const key = ['import', 'backup', 'restore'].includes(group) ? group : `${group} ${cmd ?? ''}`.trim();
  if (key === 'db schemas') {
    console.log(writePostgresSchema() ? 'updated prisma/postgresql/schema.prisma' : 'prisma/postgresql/schema.prisma is up to date');
    return;
  }
  // Neither migrates nor creates the admin first: a backup copies the database as it is, and a
  // restore needs an empty target.
  if (key === 'backup' || key === 'restore') {
    if (!cmd) throw new CliError(`${key} needs an archive file name`);
    const loc = { databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, modelsDir: cfg.modelsDir };
    if (key === 'backup') {
      const m = await backup(cmd, { ...loc, nextAuthSecret: cfg.nextAuthSecret });
      console.error(`backup written to ${cmd}`);
      const { photosDeletedDuringBackup, photosMissingFiles, counts, files, migrations } = m;
      console.log(JSON.stringify({ file: cmd, counts, files, migrations: migrations.length, photosDeletedDuringBackup, photosMissingFiles }, null, 2));
    } else {
      const r = await restore(cmd, loc);
      console.error(`restored ${cmd} (made ${r.manifest.created} by masklab ${r.manifest.masklabVersion}); the next start applies any newer migrations`);
      console.log(JSON.stringify({ counts: r.counts, files: r.files }, null, 2));
    }
    return;
  }
  await prepareDatabase(cfg, (line) => console.error(line)); // stdout stays machine-readable
  if (TRAINING_COMMANDS.includes(group)) {
    return trainingCommand(group, cmd === undefined ? rest : [cmd, ...rest], values, (msg) => {
      throw new CliError(msg);
    });
  }
  switch (key) {
    case 'import': {
      const target = cmd;
      if (!target) throw new CliError('import needs a folder, zip or image path');
      const as = await userByEmail(values.as ?? cfg.adminEmail);
      if (as.disabled) throw new CliError(`${as.email} is disabled`);
      if (as.role === 'viewer') throw new CliError(`${as.email} is a viewer; imports need a labeler or admin`);
      let label = null;
      if (values.label) {
        label = parseLabel(values.label);
        if (!label) throw new CliError(`--label must be one of ${LABELS.join(', ')}`);
      }
      if (values.batch !== undefined && !values.batch.trim()) throw new CliError('--batch needs a name');
      const evalSet = values['eval-set'] !== undefined ? await ensureEvalSet(db(), values['eval-set'], as.id) : null;
      let n = 0;
      const summary = await importPath(db(), defaultIngestOptions(), target, {
        uploaderId: as.id,
        source: 'import',
        labelsFromFolders: values['labels-from-folders'] ?? false,
        label,
        batch: values.batch?.trim(),
        evalSetId: evalSet?.id ?? null,
        onResult: () => {
          if (++n % 25 === 0) console.error(`import: ${n} files…`);
        },
      });
      // The webhook is sent by the worker (npm start / npm run worker), now or when it next runs.
      await finishImport(db(), {
        importId: null,
        name: target,
        source: 'cli',
        uploaderId: as.id,
        label,
        evalSet: evalSet?.name ?? null,
        counts: { entries: summary.photos + summary.duplicates + summary.rejected.length, added: summary.photos, duplicate: summary.duplicates, rejected: summary.rejected.length, faces: summary.faces },
      });
      console.log(JSON.stringify(evalSet ? { ...summary, evalSet: evalSet.name } : summary, null, 2));
      return;
    }
    case 'storage check': {
      const fix = values.fix ?? false;
      const r = await checkStorage(db(), store(), { fix, modelsDir: config().modelsDir, incomingDir: incomingDir(config().dataDir) });
      for (const line of storageSummary(r, fix)) console.error(line);
      console.log(JSON.stringify(r, null, 2));
      if (r.missing.length > 0) process.exitCode = 1;
      return;
    }
    case 'db migrate':
      console.log('database is up to date');
      return;
    case 'user add': {
      const email = rest[0];
      if (!email) throw new CliError('user add needs an e-mail address');
      if (!values.role) throw new CliError('user add needs --role admin|labeler|viewer');
      const { user, password } = await createUser(db(), {
        email,
        role: roleSchema.parse(values.role),
        password: values.password,
        name: values.name,
      });
      console.log(JSON.stringify({ id: user.id, email: user.email, role: user.role, ...(password ? { password } : {}) }));
      return;
    }
    case 'user list': {
      const users = await listUsers(db());
      console.table(users.map((u) => ({ email: u.email, name: u.name ?? '', role: u.role, disabled: u.disabled, created: u.createdAt.toISOString() })));
      return;
    }
    case 'user role': {
      const u = await userByEmail(rest[0] ?? '');
      await setRole(db(), u.id, roleSchema.parse(rest[1]));
      console.log(`${u.email} is now ${rest[1]}`);
      return;
    }
    case 'user disable':
    case 'user enable': {
      const u = await userByEmail(rest[0] ?? '');
      await setDisabled(db(), u.id, cmd === 'disable');
      console.log(`${u.email} ${cmd}d`);
      return;
    }
    case 'user unlock': {
      const u = await userByEmail(rest[0] ?? '');
      const n = await unlockAccount(db(), u.email);
      console.log(`${u.email} unlocked (${n} throttle record(s) cleared)`);
      return;
    }
    case 'user password': {
      const u = await userByEmail(rest[0] ?? '');
      const pw = await resetPassword(db(), u.id, values.password);
      console.log(values.password ? `password of ${u.email} changed` : `new password of ${u.email}: ${pw}`);
      return;
    }
    default:
      throw new CliError(`unknown command "${key}"\n\n${HELP}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2))
    .then(() => db().$disconnect())
    .catch(async (err) => {
      const known = err instanceof CliError || err instanceof BackupError || err instanceof HttpError || err instanceof ConfigError || err?.name === 'ZodError';
      const msg = err?.name === 'ZodError' ? err.issues.map((i: { message: string }) => i.message).join('; ') : err?.message;
      console.error(known ? `error: ${msg}` : err);
      process.exitCode = 1;
      await db().$disconnect().catch(() => {});
    });
}
