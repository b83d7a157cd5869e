// The CLI's framework: a command is one declaration (`command({ name, args, summary, options, example, run })`);
// this module parses the command line against it, prints its help, and turns errors into one line
// and an exit code: 0 ok, 1 the command failed, 2 the command line is wrong (usage).
import { parseArgs } from 'node:util';

export type OptionSpec = {
  type: 'string' | 'boolean';
  /** The value's placeholder in the help, e.g. `<email>` (string options). */
  value?: string;
  help: string;
};

type Values<O extends Record<string, OptionSpec>> = { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean };

/** What a command's `run` gets. */
export type Ctx<O extends Record<string, OptionSpec>> = {
  /** The positional arguments after the command's name (count checked against `args`). */
  args: string[];
  opts: Values<O>;
  /** --json: the result as JSON lines on stdout. */
  json: boolean;
  /** Prints a result: one JSON line with --json, else the human lines. */
  result: (data: unknown, human: string | string[]) => void;
  /** A progress or note line, on stderr (stdout stays the result). */
  note: (line: string) => void;
  /** Refuses the command line (exit 2). */
  usage: (message: string) => never;
  /** Stops the command as failed (exit 1). */
  fail: (message: string) => never;
};

export type Command = {
  /** One or two words: `import`, `user add`. */
  name: string;
  /** The positional arguments as the usage shows them: `<email> [<role>]`; `<…>` is required, `[…]` optional, `…` many. */
  args?: string;
  /** One line for the global help. */
  summary: string;
  /** More lines for the command's own help. */
  details?: string;
  options?: Record<string, OptionSpec>;
  example: string | string[];
  /** Opens (migrates) the database first; default true. */
  database?: boolean;
  /** Returns the exit code (default 0). */
  run: (ctx: Ctx<Record<string, OptionSpec>>) => Promise<number | void>;
};

export function command<const O extends Record<string, OptionSpec>>(
  spec: Omit<Command, 'options' | 'run'> & { options?: O; run: (ctx: Ctx<O>) => Promise<number | void> },
): Command {
  return spec as unknown as Command;
}

/** A user error: one line on stderr, exit 1. */
export class CliError extends Error {}
/** A wrong command line: one line on stderr, exit 2. */
export class UsageError extends Error {}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print the result as JSON lines (one JSON object per line, nothing else on stdout)' },
  debug: { type: 'boolean', help: 'print the stack trace of an error' },
  help: { type: 'boolean', help: 'show this help' },
};

const BIN = 'masklab';
const seeHelp = (c: Command) => `(see: ${BIN} ${c.name} --help)`;

function usageLine(c: Command): string {
  const opts = Object.entries(c.options ?? {}).map(([k, o]) => (o.type === 'string' ? `[--${k} ${o.value ?? '<value>'}]` : `[--${k}]`));
  return [BIN, c.name, c.args ?? '', ...opts, '[--json]'].filter(Boolean).join(' ');
}

export function commandHelp(c: Command): string {
  const opts = { ...(c.options ?? {}), ...GLOBAL_OPTIONS };
  const left = (k: string, o: OptionSpec) => `--${k}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
  const width = Math.max(...Object.entries(opts).map(([k, o]) => left(k, o).length));
  const examples = Array.isArray(c.example) ? c.example : [c.example];
  return [
    `${c.summary}`,
    '',
    `Usage: ${usageLine(c)}`,
    ...(c.details ? ['', c.details] : []),
    '',
    'Options:',
    ...Object.entries(opts).map(([k, o]) => `  ${left(k, o).padEnd(width)}  ${o.help}`),
    '',
    examples.length > 1 ? 'Examples:' : 'Example:',
    ...examples.map((e) => `  ${e}`),
  ].join('\n');
}

export function globalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'masklab command line (npm run cli -- <command> …)',
    '',
    `Usage: ${BIN} <command> [arguments] [options]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Every command takes --json (JSON lines on stdout), --debug and --help: \`${BIN} <command> --help\` shows its usage, options and an example.`,
    'Exit status: 0 ok, 1 the command failed, 2 the command line is wrong.',
  ].join('\n');
}

/** Which command the leading words name, and the arguments after them. */
function findCommand(commands: readonly Command[], argv: string[]): { cmd: Command; rest: string[] } | null {
  const words = argv.slice(0, 2);
  for (const n of [2, 1]) {
    if (words.length < n || words.slice(0, n).some((w) => w.startsWith('-'))) continue;
    const name = words.slice(0, n).join(' ');
    const cmd = commands.find((c) => c.name === name);
    if (cmd) return { cmd, rest: argv.slice(n) };
  }
  return null;
}

function arity(c: Command): { min: number; max: number; names: string[] } {
  const spec = c.args ?? '';
  const required = [...spec.replace(/\[[^\]]*\]/g, '').matchAll(/<[^>]+>/g)].map((m) => m[0]);
  const all = [...spec.matchAll(/<[^>]+>/g)].map((m) => m[0]);
  return { min: required.length, max: spec.includes('…') ? Infinity : all.length, names: all };
}

/** `--seed -5`: a string option's value may be a negative number (parseArgs would read it as an option). */
function joinNegativeValues(args: string[], options: Record<string, OptionSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.startsWith('--') ? a.slice(2) : null;
    if (name && options[name]?.type === 'string' && /^-\d/.test(args[i + 1] ?? '')) out.push(`${a}=${args[++i]}`);
    else out.push(a);
  }
  return out;
}

export type Parsed =
  | { kind: 'global'; ok: boolean }
  | { kind: 'help'; cmd: Command }
  | { kind: 'run'; cmd: Command; ctx: Ctx<Record<string, OptionSpec>> };

const isHelp = (a: string) => a === '--help' || a === '-h';

/** Parses argv against the commands; throws UsageError on anything wrong with it. */
export function parseCommandLine(commands: readonly Command[], argv: string[], out: { stdout: (l: string) => void; stderr: (l: string) => void }): Parsed {
  if (argv.every((a) => isHelp(a) || a === '--debug')) return { kind: 'global', ok: argv.some(isHelp) };
  if (argv[0] === 'help') {
    if (argv.length === 1) return { kind: 'global', ok: true };
    const found = findCommand(commands, argv.slice(1));
    if (!found) throw new UsageError(`unknown command "${argv.slice(1).join(' ')}" (see: ${BIN} --help)`);
    return { kind: 'help', cmd: found.cmd };
  }
  const found = findCommand(commands, argv);
  if (!found) {
    const [first, second] = argv;
    if (first.startsWith('-')) throw new UsageError(`the command comes first, before ${first} (see: ${BIN} --help)`);
    const group = commands.filter((c) => c.name.startsWith(`${first} `));
    if (!group.length) throw new UsageError(`unknown command "${first}" (see: ${BIN} --help)`);
    const what = second && !second.startsWith('-') ? `unknown command "${first} ${second}"` : `"${first}" needs a subcommand`;
    throw new UsageError(`${what}: ${group.map((c) => c.name).join(', ')} (see: ${BIN} --help)`);
  }
  const { cmd, rest } = found;
  if (rest.some(isHelp)) return { kind: 'help', cmd };
  const options = { ...(cmd.options ?? {}), ...GLOBAL_OPTIONS };
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(rest, options),
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type }])),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const opt = /'(-{1,2}[^' ]+)/.exec(e.message)?.[1] ?? '';
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${opt} for ${cmd.name} ${seeHelp(cmd)}`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const what = /does not take an argument/.test(e.message)
        ? 'takes no value'
        : /ambiguous/.test(e.message)
          ? `needs a value (write one that starts with "-" as ${opt}=-…)`
          : 'needs a value';
      throw new UsageError(`option ${opt} of ${cmd.name} ${what} ${seeHelp(cmd)}`);
    }
    throw new UsageError(`${e.message.split('\n')[0]} ${seeHelp(cmd)}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const args = parsed.positionals;
  const { min, max, names } = arity(cmd);
  if (args.length < min) throw new UsageError(`${cmd.name} needs ${names.slice(args.length, min).join(' ')} ${seeHelp(cmd)}`);
  if (args.length > max) throw new UsageError(`unexpected argument "${args[max]}" for ${cmd.name} ${seeHelp(cmd)}`);
  const json = values.json === true;
  const ctx: Ctx<Record<string, OptionSpec>> = {
    args,
    opts: values as never,
    json,
    result: (data, human) => {
      if (json) out.stdout(JSON.stringify(data));
      else for (const l of Array.isArray(human) ? human : [human]) out.stdout(l);
    },
    note: out.stderr,
    usage: (message) => {
      throw new UsageError(`${message} ${seeHelp(cmd)}`);
    },
    fail: (message) => {
      throw new CliError(message);
    },
  };
  return { kind: 'run', cmd, ctx };
}

/** An error as one line: the message of a known kind, a file-system error in words. */
export function errorLine(err: unknown): string {
  const e = err as (Error & { code?: string; path?: string; issues?: { message: string }[] }) | undefined;
  if (e?.name === 'ZodError' && Array.isArray(e.issues)) return e.issues.map((i) => i.message).join('; ');
  const fsWords: Record<string, string> = { ENOENT: 'no such file or folder', EACCES: 'permission denied', EISDIR: 'is a folder, not a file', ENOTDIR: 'not a folder', EEXIST: 'already exists', ENOSPC: 'no space left on the device' };
  if (e?.code && fsWords[e.code] && e.path) return `${fsWords[e.code]}: ${e.path}`;
  const lines = String(e?.message ?? err).split('\n').map((l) => l.trim()).filter(Boolean);
  // Prisma and config errors say what went wrong in their last lines; keep them on one line.
  if (e?.name?.startsWith('PrismaClient')) return lines.at(-1) ?? 'database error';
  return lines.join('; ');
}

export function exitCodeOf(err: unknown): number {
  return err instanceof UsageError ? 2 : 1;
}
