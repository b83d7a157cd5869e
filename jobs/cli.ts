// masklab command line: `npm run cli -- <command>`. Uses lib/ directly (no web server needed).
import { config } from '../lib/config';
import { db } from '../lib/db';
import { prepareDatabase } from '../lib/bootstrap';
import { roleSchema } from '../lib/auth/roles';
import { createUser, listUsers, resetPassword, setDisabled, setRole } from '../lib/auth/users';
import { unlockAccount } from '../lib/auth/throttle';
import { createToken, tokenExpiresAt, type TokenExpiry } from '../lib/auth/tokens';
import { writePostgresSchema } from './db-schemas';
import { defaultIngestOptions } from '../lib/dataset/ingest';
import { importPath } from '../lib/import/folder';
import { ensureEvalSet } from '../lib/dataset/eval-sets';
import { finishImport } from '../lib/import/finish';
import { parseLabel, LABELS } from '../lib/classes';
import { checkStorage } from '../lib/housekeeping/storage-check';
import { store } from '../lib/storage';
import { migrateStorage } from '../lib/housekeeping/migrate-storage';
import { incomingDir } from '../lib/import/incoming';
import { storageSummary } from './cli-storage';
import { TRAINING_COMMANDS } from './cli-training';
import { backup, restore } from '../lib/backup';
import { CliError, type Command, command, commandHelp, errorLine, exitCodeOf, globalHelp, parseCommandLine } from './cli-kit';

async function userByEmail(email: string) {
  const u = await db().user.findUnique({ where: { email: email.trim().toLowerCase() } });
  if (!u) throw new CliError(`no user with e-mail ${email}`);
  return u;
}

const role = (value: string | undefined, usage: (m: string) => never) => {
  const r = roleSchema.safeParse(value);
  return r.success ? r.data : usage(`the role must be one of ${roleSchema.options.join(', ')}`);
};

const USER_COMMANDS: Command[] = [
  command({
    name: 'user add',
    args: '<email>',
    summary: 'add a user (prints the generated password when --password is left out)',
    options: {
      role: { type: 'string', value: '<admin|labeler|viewer>', help: 'the new user\'s role (required)' },
      password: { type: 'string', value: '<pw>', help: 'the password (default: a generated one, printed once)' },
      name: { type: 'string', value: '<name>', help: 'the display name' },
    },
    example: "masklab user add ann@example.com --role labeler --name 'Ann'",
    run: async ({ args: [email], opts, result, usage }) => {
      if (!opts.role) usage('user add needs --role admin|labeler|viewer');
      const { user, password } = await createUser(db(), { email, role: role(opts.role, usage), password: opts.password, name: opts.name });
      result({ id: user.id, email: user.email, role: user.role, ...(password ? { password } : {}) }, [
        `added ${user.email} as ${user.role}`,
        ...(password ? [`password: ${password}`] : []),
      ]);
    },
  }),
  command({
    name: 'user list',
    summary: 'list the users with their roles',
    example: ['masklab user list', 'masklab user list --json   # one line per user'],
    run: async ({ json, result }) => {
      const rows = (await listUsers(db())).map((u) => ({ email: u.email, name: u.name ?? '', role: u.role, disabled: u.disabled, created: u.createdAt.toISOString() }));
      if (json) {
        for (const r of rows) result(r, []);
        return;
      }
      const head = { email: 'E-MAIL', name: 'NAME', role: 'ROLE', disabled: 'STATE', created: 'CREATED' };
      const cells = [head, ...rows.map((r) => ({ ...r, disabled: r.disabled ? 'disabled' : 'active', created: r.created.slice(0, 10) }))];
      const keys = Object.keys(head) as (keyof typeof head)[];
      const width = Object.fromEntries(keys.map((k) => [k, Math.max(...cells.map((c) => String(c[k]).length))]));
      result(null, cells.map((c) => keys.map((k) => String(c[k]).padEnd(width[k])).join('  ').trimEnd()));
    },
  }),
  command({
    name: 'user role',
    args: '<email> <role>',
    summary: "change a user's role (admin, labeler or viewer)",
    example: 'masklab user role ann@example.com admin',
    run: async ({ args: [email, r], result, usage }) => {
      const newRole = role(r, usage);
      const u = await userByEmail(email);
      await setRole(db(), u.id, newRole);
      result({ email: u.email, role: newRole }, `${u.email} is now ${newRole}`);
    },
  }),
  ...(['disable', 'enable'] as const).map((verb) =>
    command({
      name: `user ${verb}`,
      args: '<email>',
      summary: verb === 'disable' ? 'disable an account (ends its sessions and API tokens)' : 'enable a disabled account again',
      example: `masklab user ${verb} ann@example.com`,
      run: async ({ args: [email], result }) => {
        const u = await userByEmail(email);
        await setDisabled(db(), u.id, verb === 'disable');
        result({ email: u.email, disabled: verb === 'disable' }, `${u.email} ${verb}d`);
      },
    }),
  ),
  command({
    name: 'user password',
    args: '<email>',
    summary: "set a user's password (a generated one, printed, when --password is left out); ends their sessions and tokens",
    options: { password: { type: 'string', value: '<pw>', help: 'the new password (default: a generated one, printed once)' } },
    example: ['masklab user password ann@example.com', "masklab user password ann@example.com --password '…'"],
    run: async ({ args: [email], opts, result }) => {
      const u = await userByEmail(email);
      const pw = await resetPassword(db(), u.id, opts.password);
      if (opts.password) result({ email: u.email, changed: true }, `password of ${u.email} changed`);
      else result({ email: u.email, password: pw }, `new password of ${u.email}: ${pw}`);
    },
  }),
  command({
    name: 'user unlock',
    args: '<email>',
    summary: 'clear the sign-in throttle of an account',
    example: 'masklab user unlock ann@example.com',
    run: async ({ args: [email], result }) => {
      const u = await userByEmail(email);
      const n = await unlockAccount(db(), u.email);
      result({ email: u.email, cleared: n }, `${u.email} unlocked (${n} throttle record(s) cleared)`);
    },
  }),
  command({
    name: 'token create',
    args: '<email>',
    summary: 'make an API token for a user; the token alone on the last line of stdout, shown only this once',
    options: {
      name: { type: 'string', value: '<name>', help: 'what the token is for (required)' },
      expires: { type: 'string', value: '<never|30|90|YYYY-MM-DD>', help: 'never, in 30 or 90 days, or at the end of a day (UTC); default 90' },
    },
    example: ["masklab token create ci@example.com --name 'nightly export'", "TOKEN=$(npm run -s cli -- token create ci@example.com --name ci | tail -1)"],
    run: async ({ args: [email], opts, result, note, usage }) => {
      if (opts.name === undefined) usage('token create needs --name <what the token is for>');
      const e = opts.expires ?? '90';
      let choice: TokenExpiry;
      if (e === 'never' || e === '30' || e === '90') choice = { expiry: e };
      else if (/^\d{4}-\d{2}-\d{2}$/.test(e)) choice = { expiry: 'date', date: e };
      else return usage('--expires must be never, 30, 90 or a date YYYY-MM-DD');
      const u = await userByEmail(email);
      if (u.disabled) throw new CliError(`${u.email} is disabled`);
      const expiresAt = tokenExpiresAt(choice);
      const { id, token } = await createToken(db(), u.id, opts.name!, expiresAt);
      note(`API token ${id} for ${u.email} (${u.role}), ${expiresAt ? `expires ${expiresAt.toISOString()}` : 'never expires'}; it is shown only now:`);
      result({ id, email: u.email, token, expiresAt: expiresAt?.toISOString() ?? null }, token);
    },
  }),
];

/** Rows per table, the tables that have any, in words. */
const rowCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([k, v]) => v > 0 && !k.startsWith('_'))
    .map(([k, v]) => `${v} ${k}`)
    .join(', ') || 'no rows';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const importCommand = command({
  name: 'import',
  args: '<dir|zip|image>',
  summary: 'import photos from a folder, a zip or one image (ImageFolder layouts labelled with --labels-from-folders)',
  details: [
    'Layouts: <class>/*.jpg, or train|val|test/<class>/*.jpg as split-folders writes it (class folder names',
    'case-insensitive). Dataset metadata files (manifest.csv, metadata.csv, labels.json, classes.txt, README*)',
    'are read, not imported: with --labels-from-folders a manifest\'s labels (columns file and label or class)',
    'label the files whose folder names no class. Exits 1 when nothing was added (every file rejected or a duplicate).',
  ].join('\n'),
  options: {
    'labels-from-folders': { type: 'boolean', help: 'label each file by its class folder (else by the dataset\'s manifest.csv)' },
    label: { type: 'string', value: '<class>', help: 'one label for every file' },
    as: { type: 'string', value: '<email>', help: 'the labeller and uploader recorded (default: MASKLAB_ADMIN_EMAIL)' },
    batch: { type: 'string', value: '<tag>', help: 'the import\'s name (default: the folder or zip name)' },
    'eval-set': { type: 'string', value: '<name>', help: 'make the photos an evaluation set (never trained on; folders young/old, mask/nomask label one attribute)' },
  },
  example: ['masklab import tests/fixtures/facemask --labels-from-folders', 'masklab import photos.zip --label mask_old --as ann@example.com --json'],
  run: async ({ args: [target], opts, json, result, note, usage }) => {
    const cfg = config();
    let label = null;
    if (opts.label !== undefined) {
      label = parseLabel(opts.label);
      if (!label) usage(`--label must be one of ${LABELS.join(', ')}`);
    }
    if (opts.batch !== undefined && !opts.batch.trim()) usage('--batch needs a name');
    const as = await userByEmail(opts.as ?? cfg.adminEmail);
    if (as.disabled) throw new CliError(`${as.email} is disabled`);
    if (as.role === 'viewer') throw new CliError(`${as.email} is a viewer; imports need a labeler or admin`);
    const evalSet = opts['eval-set'] !== undefined ? await ensureEvalSet(db(), opts['eval-set'], as.id) : null;
    let n = 0;
    const summary = await importPath(db(), defaultIngestOptions(), target, {
      uploaderId: as.id,
      source: 'import',
      labelsFromFolders: opts['labels-from-folders'] ?? false,
      label,
      batch: opts.batch?.trim(),
      evalSetId: evalSet?.id ?? null,
      readMetadata: true,
      onResult: () => {
        if (++n % 25 === 0) note(`import: ${n} files…`);
      },
    });
    const counts = { entries: summary.photos + summary.duplicates + summary.rejected.length, added: summary.photos, duplicate: summary.duplicates, rejected: summary.rejected.length, faces: summary.faces };
    // The webhook is sent by the worker (npm start / npm run worker), now or when it next runs.
    await finishImport(db(), { importId: null, name: target, source: 'cli', uploaderId: as.id, label, evalSet: evalSet?.name ?? null, counts });
    const line = `${plural(summary.photos, 'photo')} added (${plural(summary.faces, 'face')}), ${plural(summary.duplicates, 'duplicate')}, ${summary.rejected.length} rejected`;
    result(evalSet ? { ...summary, evalSet: evalSet.name } : summary, [
      `imported ${target}${evalSet ? ` as evaluation set ${evalSet.name}` : ''}: ${line}`,
      ...summary.metadata.map((m) => `read ${m.file}${m.labels ? `: ${plural(m.labels, 'label')} used` : ''}`),
      ...summary.rejected.map((r) => `rejected ${r.file}: ${r.reason}`),
    ]);
    if (summary.photos === 0) {
      note(`error: nothing imported from ${target}: ${counts.entries ? line : 'no files found'}${!json && summary.rejected.length ? ' (reasons above)' : ''}`);
      return 1;
    }
  },
});

export const COMMANDS: Command[] = [
  ...USER_COMMANDS,
  importCommand,
  command({
    name: 'storage check',
    summary: 'compare stored files with the database; list orphans, temporary files, model folders no run owns, leftover uploads',
    details: 'Exits 1 when a photo\'s files are missing. --fix removes orphans and temporary files older than 10 minutes, and at once the model folders of runs that failed or whose job ended.',
    options: { fix: { type: 'boolean', help: 'remove what is safe to remove' } },
    example: ['masklab storage check', 'masklab storage check --fix --json'],
    run: async ({ opts, json, result, note }) => {
      const fix = opts.fix ?? false;
      const r = await checkStorage(db(), store(), { fix, modelsDir: config().modelsDir, incomingDir: incomingDir(config().dataDir) });
      const words = [...storageSummary(r, fix), ...r.missing.map((m) => `missing: ${m}`)];
      if (json) for (const line of words) note(line);
      result(r, words);
      return r.missing.length > 0 ? 1 : 0;
    },
  }),
  command({
    name: 'storage migrate',
    summary: 'copy this install\'s local files to the S3 store MASKLAB_STORAGE names, and verify them',
    details:
      'Copies photos, derived images, models, exports and waiting uploads; then checks the count, every size and the sha256 of every original. Objects already there with the same size are skipped, so it can run again. Exits 1 unless every file verified. The local files are kept.',
    example: 'MASKLAB_STORAGE=s3://masklab/prod masklab storage migrate',
    run: async ({ result, note }) => {
      const cfg = config();
      const r = await migrateStorage({ dataDir: cfg.dataDir, modelsDir: cfg.modelsDir, target: store(), log: note });
      const mb = (r.bytes / 1024 / 1024).toFixed(1);
      result(
        r,
        r.problems.length
          ? [`storage migrate: ${r.problems.length} problem(s), not done; fix them and run it again:`, ...r.problems.map((p) => `  ${p}`)]
          : `storage migrate: all ${r.files} files (${mb} MB) are in ${r.target}: ${r.copied} copied, ${r.skipped} already there; ` +
              `verified sizes of all and the sha256 of ${r.hashed} originals. The local files are kept: remove them once masklab runs on S3.`,
      );
      return r.problems.length ? 1 : 0;
    },
  }),
  command({
    name: 'db migrate',
    summary: 'apply pending migrations',
    example: 'masklab db migrate',
    run: async ({ result }) => result({ upToDate: true }, 'database is up to date'),
  }),
  command({
    name: 'db schemas',
    summary: 'regenerate prisma/postgresql/schema.prisma from prisma/schema.prisma',
    database: false,
    example: 'masklab db schemas',
    run: async ({ result }) => {
      const updated = writePostgresSchema();
      result({ file: 'prisma/postgresql/schema.prisma', updated }, updated ? 'updated prisma/postgresql/schema.prisma' : 'prisma/postgresql/schema.prisma is up to date');
    },
  }),
  // Neither backup nor restore migrates or creates the admin first: a backup copies the database as it
  // is, and a restore needs an empty target.
  command({
    name: 'backup',
    args: '<file.tar>',
    summary: 'write a backup of this instance (database, photo files, models, session secret) while it runs',
    database: false,
    example: 'masklab backup /backups/masklab-$(date +%F).tar',
    run: async ({ args: [file], result }) => {
      const cfg = config();
      const m = await backup(file, { databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, modelsDir: cfg.modelsDir, nextAuthSecret: cfg.nextAuthSecret });
      const { photosDeletedDuringBackup, photosMissingFiles, counts, files, migrations } = m;
      result({ file, counts, files, migrations: migrations.length, photosDeletedDuringBackup, photosMissingFiles }, [
        `backup written to ${file}: ${rowCounts(counts)}; files: ${Object.entries(files).map(([k, v]) => `${v} ${k}`).join(', ')}`,
        ...(photosMissingFiles.length ? [`photos whose files were missing: ${photosMissingFiles.join(', ')}`] : []),
        ...(photosDeletedDuringBackup.length ? [`photos deleted during the backup (left out on restore): ${photosDeletedDuringBackup.join(', ')}`] : []),
      ]);
    },
  }),
  command({
    name: 'restore',
    args: '<file.tar>',
    summary: 'restore a backup into an empty MASKLAB_DATA_DIR and MASKLAB_MODELS_DIR (and, on PostgreSQL, an empty database)',
    database: false,
    example: 'MASKLAB_DATA_DIR=/srv/masklab/data MASKLAB_MODELS_DIR=/srv/masklab/models masklab restore masklab-2026-12-01.tar',
    run: async ({ args: [file], result }) => {
      const cfg = config();
      const r = await restore(file, { databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, modelsDir: cfg.modelsDir });
      result({ file, created: r.manifest.created, masklabVersion: r.manifest.masklabVersion, counts: r.counts, files: r.files }, [
        `restored ${file} (made ${r.manifest.created} by masklab ${r.manifest.masklabVersion}); the next start applies any newer migrations`,
        `${rowCounts(r.counts)}; files: ${Object.entries(r.files).map(([k, v]) => `${v} ${k}`).join(', ')}`,
      ]);
    },
  }),
  ...TRAINING_COMMANDS,
];

const stdio = { stdout: (l: string) => console.log(l), stderr: (l: string) => console.error(l) };

/** Runs one command line; returns the exit code (0 ok, 1 failed, 2 usage). Throws what the command threw. */
export async function main(argv: string[], io = stdio): Promise<number> {
  const p = parseCommandLine(COMMANDS, argv, io);
  if (p.kind === 'global') {
    (p.ok ? io.stdout : io.stderr)(globalHelp(COMMANDS));
    return p.ok ? 0 : 2;
  }
  if (p.kind === 'help') {
    io.stdout(commandHelp(p.cmd));
    return 0;
  }
  if (p.cmd.database !== false) await prepareDatabase(config(), io.stderr); // stdout stays the result
  return (await p.cmd.run(p.ctx)) ?? 0;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  main(argv)
    .then(async (code) => {
      process.exitCode = code;
      await db().$disconnect();
    })
    .catch(async (err) => {
      console.error(`error: ${errorLine(err)}`);
      if (argv.includes('--debug')) console.error(err);
      process.exitCode = exitCodeOf(err);
      await db().$disconnect().catch(() => {});
    });
}
