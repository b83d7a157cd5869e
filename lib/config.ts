// The one place that reads the environment. Validated with zod; a bad value stops
// the process with a message that names the variable and what is expected.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { type AllowHost, literalRefusal, parseAllowHosts, urlProblem } from './net/destination';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/**
 * An absolute http:// or https:// URL (a webhook target): no user name or password, at most
 * MAX_URL_LENGTH characters. Where it points is checked separately (`literalRefusal`, and lib/webhooks
 * resolves names).
 */
export const httpUrlSchema = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    const problem = urlProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const schema = z.object({
  MASKLAB_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with file: (SQLite) or postgresql:// (PostgreSQL)')
    .optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOSTNAME: z.string().default('0.0.0.0'),
  NEXTAUTH_URL: z.string().url().optional(),
  NEXTAUTH_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MASKLAB_ADMIN_EMAIL: z.string().email().default('admin@masklab.local'),
  MASKLAB_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  MASKLAB_MAX_UPLOAD_MB: z.coerce.number().positive().default(25),
  MASKLAB_MAX_PIXELS: z.coerce.number().int().positive().default(50_000_000),
  MASKLAB_MAX_ZIP_MB: z.coerce.number().positive().default(4096),
  MASKLAB_MAX_ZIP_RATIO: z.coerce.number().positive().default(100),
  MASKLAB_MAX_ZIP_ENTRIES: z.coerce.number().int().positive().default(20_000),
  MASKLAB_DUPLICATE_FACE_DISTANCE: z.coerce.number().int().min(0).max(16).default(10),
  MASKLAB_LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  MASKLAB_LOGIN_WINDOW_MIN: z.coerce.number().positive().default(15),
  MASKLAB_TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
  MASKLAB_WORKER: bool.default(true),
  MASKLAB_WORKER_LEASE_S: z.coerce.number().min(1).max(3600).default(30),
  MASKLAB_WORKER_POLL_S: z.coerce.number().min(0.05).max(60).default(1),
  // Model threads per process (detection in the web app, features in the worker); 0: on the calling thread.
  MASKLAB_WORKER_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  // Photos a process decodes and analyses at once (more wait their turn); default: one less than the cores.
  MASKLAB_INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  MASKLAB_MODELS_DIR: z.string().min(1).default('./models'),
  MASKLAB_PRETRAINED_DIR: z.string().min(1).optional(),
  MASKLAB_TF_BACKEND: z.enum(['auto', 'wasm']).default('auto'),
  MASKLAB_BACKUP_BEFORE_MIGRATE: bool.default(true),
  MASKLAB_WEBHOOK_URL: httpUrlSchema.optional(),
  MASKLAB_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MASKLAB_WEBHOOK_ALLOW_HOSTS: z.string().optional(),
  MASKLAB_STORAGE: z
    .string()
    .trim()
    .regex(
      /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._-]+)*\/?$/,
      'must be s3://<bucket>[/<prefix>] (a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens; prefix folders of letters, digits, . _ -), or unset for the local disk',
    )
    .optional(),
  MASKLAB_S3_PATH_STYLE: bool.default(false),
});

export type Config = {
  dataDir: string;
  databaseUrl: string;
  provider: 'sqlite' | 'postgresql';
  port: number;
  hostname: string;
  nextAuthUrl: string;
  /** NEXTAUTH_URL when set explicitly: then the app's only origin (CSRF check, redirects). */
  appUrl?: string;
  adminEmail: string;
  adminPassword?: string;
  nextAuthSecret?: string;
  maxUploadBytes: number;
  maxPixels: number;
  /** Zip archives: most uncompressed bytes in all, highest compression ratio of an entry, most entries. */
  maxZipBytes: number;
  maxZipRatio: number;
  maxZipEntries: number;
  /** Faces whose crop pHashes differ in at most this many of 64 bits are grouped as near-duplicates. */
  duplicateFaceDistance: number;
  loginMaxFailures: number;
  loginWindowMs: number;
  /** Reverse proxies in front of the app whose X-Forwarded-For entries are believed (0: use the TCP peer). */
  trustedProxies: number;
  startWorker: boolean;
  /** How long a worker's claim on a job lasts without a heartbeat (ms). */
  workerLeaseMs: number;
  /** How often an idle worker looks for jobs (ms). */
  workerPollMs: number;
  /** Worker threads for model work (lib/models/threads.ts): MASKLAB_WORKER_THREADS, default the core count; 0 none. */
  workerThreads: number;
  ingestConcurrency: number;
  modelsDir: string;
  /**
   * MASKLAB_STORAGE: `s3://bucket/prefix` puts photos, derived images, models, exports and uploads in
   * S3-compatible storage (lib/storage/s3.ts); unset: the local disk under dataDir.
   */
  storage?: string;
  /** MASKLAB_S3_PATH_STYLE: `https://host/bucket/key` addresses (MinIO, Garage, s3rver) instead of `https://bucket.host/key`. */
  s3PathStyle: boolean;
  /** Extra folder searched first for pretrained model files (blazeface, faceres). */
  pretrainedDir?: string;
  /** `auto`: tfjs-node when installed, else wasm; `wasm`: always wasm. */
  tfBackend: 'auto' | 'wasm';
  /** Write a database backup to `<dataDir>/backups/` before applying migrations to a database that holds data. */
  backupBeforeMigrate: boolean;
  /** A webhook target for every event, besides the hooks admins add (docs/api.md "Webhooks"). */
  webhookUrl?: string;
  /** The HMAC key of that hook; without it its requests are not signed. */
  webhookSecret?: string;
  /**
   * Hosts (and ports) webhooks may reach although their address is loopback, private, link-local…
   * (MASKLAB_WEBHOOK_ALLOW_HOSTS, e.g. `127.0.0.1:9000`); every other such destination is refused.
   */
  webhookAllowHosts: AllowHost[];
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  // Treat empty strings as unset, like most tools do with `VAR= npm start`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`masklab: invalid configuration\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.MASKLAB_WEBHOOK_SECRET && !e.MASKLAB_WEBHOOK_URL) {
    throw new ConfigError('masklab: invalid configuration\n  MASKLAB_WEBHOOK_SECRET: is set, but MASKLAB_WEBHOOK_URL (the hook it signs for) is not');
  }
  let webhookAllowHosts: AllowHost[];
  try {
    webhookAllowHosts = parseAllowHosts(e.MASKLAB_WEBHOOK_ALLOW_HOSTS);
  } catch (err) {
    throw new ConfigError(`masklab: invalid configuration\n  MASKLAB_WEBHOOK_ALLOW_HOSTS: ${(err as Error).message}`);
  }
  const refused = e.MASKLAB_WEBHOOK_URL && literalRefusal(new URL(e.MASKLAB_WEBHOOK_URL), webhookAllowHosts);
  if (refused) {
    throw new ConfigError(
      `masklab: invalid configuration\n  MASKLAB_WEBHOOK_URL: refused: ${refused} (a receiver on this host or your own network must be listed in MASKLAB_WEBHOOK_ALLOW_HOSTS, e.g. 127.0.0.1:9000)`,
    );
  }
  const dataDir = path.resolve(cwd, e.MASKLAB_DATA_DIR);
  let databaseUrl = e.DATABASE_URL ?? `file:${path.join(dataDir, 'masklab.db')}`;
  if (databaseUrl.startsWith('file:')) {
    const file = databaseUrl.slice('file:'.length);
    databaseUrl = `file:${path.resolve(cwd, file)}`;
  }
  return {
    dataDir,
    databaseUrl,
    provider: databaseUrl.startsWith('file:') ? 'sqlite' : 'postgresql',
    port: e.PORT,
    hostname: e.HOSTNAME,
    nextAuthUrl: e.NEXTAUTH_URL ?? `http://localhost:${e.PORT}`,
    appUrl: e.NEXTAUTH_URL,
    adminEmail: e.MASKLAB_ADMIN_EMAIL.toLowerCase(),
    adminPassword: e.MASKLAB_ADMIN_PASSWORD,
    nextAuthSecret: e.NEXTAUTH_SECRET,
    maxUploadBytes: Math.round(e.MASKLAB_MAX_UPLOAD_MB * 1024 * 1024),
    maxPixels: e.MASKLAB_MAX_PIXELS,
    maxZipBytes: Math.round(e.MASKLAB_MAX_ZIP_MB * 1024 * 1024),
    maxZipRatio: e.MASKLAB_MAX_ZIP_RATIO,
    maxZipEntries: e.MASKLAB_MAX_ZIP_ENTRIES,
    duplicateFaceDistance: e.MASKLAB_DUPLICATE_FACE_DISTANCE,
    loginMaxFailures: e.MASKLAB_LOGIN_MAX_FAILURES,
    loginWindowMs: e.MASKLAB_LOGIN_WINDOW_MIN * 60_000,
    trustedProxies: e.MASKLAB_TRUSTED_PROXIES,
    startWorker: e.MASKLAB_WORKER,
    workerLeaseMs: Math.round(e.MASKLAB_WORKER_LEASE_S * 1000),
    workerPollMs: Math.round(e.MASKLAB_WORKER_POLL_S * 1000),
    workerThreads: e.MASKLAB_WORKER_THREADS ?? os.availableParallelism(),
    ingestConcurrency: e.MASKLAB_INGEST_CONCURRENCY ?? Math.max(1, os.availableParallelism() - 1),
    modelsDir: path.resolve(cwd, e.MASKLAB_MODELS_DIR),
    storage: e.MASKLAB_STORAGE,
    s3PathStyle: e.MASKLAB_S3_PATH_STYLE,
    pretrainedDir: e.MASKLAB_PRETRAINED_DIR ? path.resolve(cwd, e.MASKLAB_PRETRAINED_DIR) : undefined,
    tfBackend: e.MASKLAB_TF_BACKEND,
    backupBeforeMigrate: e.MASKLAB_BACKUP_BEFORE_MIGRATE,
    webhookUrl: e.MASKLAB_WEBHOOK_URL,
    webhookSecret: e.MASKLAB_WEBHOOK_SECRET,
    webhookAllowHosts,
  };
}

let cached: Config | undefined;
/** The process's configuration, parsed once. */
export function config(): Config {
  cached ??= parseConfig();
  return cached;
}

/** masklab's version (package.json), recorded in backups and model bundles. */
export function masklabVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
