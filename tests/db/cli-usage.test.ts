// The CLI as a user meets it (real processes): each command's own --help, one-line errors with the exit
// status of the contract (0 ok, 1 failed, 2 usage), no stack trace unless --debug, human text by default
// and JSON lines with --json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { freshDb, type TestDb } from '../helpers/db';
import { createUser } from '@/lib/auth/users';

let t: TestDb;
let tmp: string;

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-cli-'));
  await createUser(t.db, { email: 'ann@example.com', role: 'labeler', password: 'ann-password' });
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli({ databaseUrl: t.url, dataDir: path.join(tmp, 'data') }, ...args);
const STACK = /^\s+at /m;
/** stderr without the start-up lines (migrations, the first admin) that every command opening the database may print. */
const errors = (err: string) => err.split('\n').filter((l) => l.startsWith('error:'));

describe('help', () => {
  const global = () => cli('--help');
  it('the global --help lists every command on one line each; every command has its own --help with usage, options and an example', () => {
    const g = global();
    expect(g.code, g.err).toBe(0);
    const commands = [...g.out.matchAll(/^ {2}(\S+(?: [a-z]+)?) {2,}\S/gm)].map((m) => m[1]);
    expect(commands).toEqual(expect.arrayContaining(['user add', 'user list', 'import', 'storage check', 'db migrate', 'backup', 'restore', 'train', 'predict', 'export', 'suggest']));
    expect(commands.length).toBeGreaterThanOrEqual(22);
    for (const name of commands) {
      const r = cli(...name.split(' '), '--help');
      expect({ name, code: r.code, err: r.err }).toEqual({ name, code: 0, err: '' });
      expect(r.out).not.toBe(g.out);
      expect(r.out).toContain(`Usage: masklab ${name}`);
      expect(r.out).toMatch(/^Options:\n(?: {2}--\S+.*\n)+/m);
      expect(r.out).toMatch(new RegExp(`^Examples?:\\n {2}.*masklab ${name}\\b`, 'm'));
    }
    expect(cli('import', '--help').out).toMatch(/--labels-from-folders +label each file/);
    expect(cli('help', 'user', 'add').out).toContain('Usage: masklab user add <email> [--role <admin|labeler|viewer>]');
  }, 300_000);
});

describe('errors: one line, exit 2 for the command line, 1 for a failure', () => {
  it('an unknown option, a bad value, a missing argument or an unknown command: exit 2, nothing done', async () => {
    const cases: [string[], string][] = [
      [['import', 'x', '--bogus-flag'], 'error: unknown option --bogus-flag for import (see: masklab import --help)'],
      [['train', '--seed', '-5'], 'error: --seed must be an integer from 0 to 2147483647 (see: masklab train --help)'],
      [['train', '--seed=1.5'], 'error: --seed must be an integer from 0 to 2147483647 (see: masklab train --help)'],
      [['train', '--wait=yes'], 'error: option --wait of train takes no value (see: masklab train --help)'],
      [['import', 'x', '--label'], 'error: option --label of import needs a value (see: masklab import --help)'],
      [['import', 'x', '--label', 'hat'], 'error: --label must be one of mask_old, mask_young, nomask_old, nomask_young, excluded (see: masklab import --help)'],
      [['import'], 'error: import needs <dir|zip|image> (see: masklab import --help)'],
      [['user', 'role', 'ann@example.com', 'admin', 'extra'], 'error: unexpected argument "extra" for user role (see: masklab user role --help)'],
      [['user', 'role', 'ann@example.com', 'boss'], 'error: the role must be one of viewer, labeler, admin (see: masklab user role --help)'],
      [['user', 'add', 'bob@example.com'], 'error: user add needs --role admin|labeler|viewer (see: masklab user add --help)'],
      [['user', 'frobnicate'], 'error: unknown command "user frobnicate": user add, user list, user role, user disable, user enable, user password, user unlock (see: masklab --help)'],
      [['frobnicate'], 'error: unknown command "frobnicate" (see: masklab --help)'],
    ];
    for (const [args, line] of cases) {
      const r = cli(...args);
      expect({ args, code: r.code, errors: errors(r.err), stack: STACK.test(r.err), out: r.out }).toEqual({ args, code: 2, errors: [line], stack: false, out: '' });
    }
    expect(await t.db.job.count()).toBe(0);
    expect(await t.db.user.findUniqueOrThrow({ where: { email: 'ann@example.com' } })).toMatchObject({ role: 'labeler' });
    expect(await t.db.user.count({ where: { email: 'bob@example.com' } })).toBe(0);
  }, 300_000);

  it('a bad path or another failure: one line, exit 1; --debug adds the stack trace', () => {
    const cases: [string[], string][] = [
      [['import', path.join(tmp, 'nope'), '--as', 'ann@example.com'], `error: no such file or folder: ${path.join(tmp, 'nope')}`],
      [['predict', path.join(tmp, 'nope.jpg')], `error: no such file or folder: ${path.join(tmp, 'nope.jpg')}`],
      [['user', 'disable', 'nobody@example.com'], 'error: no user with e-mail nobody@example.com'],
      [['promote', 'no-such-run'], expect.stringMatching(/^error: .*no-such-run/) as unknown as string],
    ];
    for (const [args, line] of cases) {
      const r = cli(...args);
      expect({ args, code: r.code, errors: errors(r.err), stack: STACK.test(r.err), out: r.out }).toEqual({ args, code: 1, errors: [line], stack: false, out: '' });
    }
    const debug = cli('import', path.join(tmp, 'nope'), '--as', 'ann@example.com', '--debug');
    expect(debug.code).toBe(1);
    expect(debug.err).toMatch(STACK);
  }, 300_000);
});

describe('output', () => {
  it('--json: JSON lines and nothing else on stdout, for every kind of command; human text without it', async () => {
    const lines = (out: string) => out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const add = cli('user', 'add', 'cy@example.com', '--role', 'viewer', '--json');
    expect(add.code, add.err).toBe(0);
    expect(lines(add.out)).toEqual([{ id: expect.any(String), email: 'cy@example.com', role: 'viewer', password: expect.any(String) }]);

    const list = cli('user', 'list', '--json');
    expect(list.code, list.err).toBe(0);
    expect(lines(list.out).map((u) => [u.email, u.role, u.disabled])).toEqual(
      expect.arrayContaining([['ann@example.com', 'labeler', false], ['cy@example.com', 'viewer', false]]),
    );
    const human = cli('user', 'list');
    expect(human.out).toMatch(/^E-MAIL +NAME +ROLE +STATE +CREATED\n/);
    expect(human.out).toMatch(/^cy@example.com +viewer +active +\d{4}-\d\d-\d\d$/m);

    for (const args of [['user', 'role', 'cy@example.com', 'labeler'], ['user', 'password', 'cy@example.com'], ['user', 'unlock', 'cy@example.com'], ['storage', 'check'], ['db', 'migrate'], ['train']]) {
      const r = cli(...args, '--json');
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(lines(r.out)).toHaveLength(1);
      expect(cli(...args).out.trimStart()).not.toMatch(/^[{[]/); // without --json: words
    }
    expect(lines(cli('storage', 'check', '--json').out)[0]).toMatchObject({ photos: 0, missing: [], orphans: [] });
    expect(await t.db.user.findUniqueOrThrow({ where: { email: 'cy@example.com' } })).toMatchObject({ role: 'labeler' });
  }, 300_000);
});
