// BlobStore on S3-compatible object storage (AWS S3, MinIO, Garage, …) through the AWS SDK.
// `MASKLAB_STORAGE=s3://bucket/prefix`; credentials, region and endpoint come from the standard AWS
// variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL) or the SDK's
// other sources (~/.aws, instance roles). Every key lives under `<prefix>/`.
// Atomicity: a PutObject is atomic per object, and a multipart upload (large streams, @aws-sdk/lib-storage)
// becomes visible only when it completes; a failed one is aborted. So a reader sees the old object, the new
// one or none, never part of one, and there are no temporary files to sweep.
import { PassThrough, type Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ConfigError } from '../config';
import type { BlobInfo, BlobStore } from './types';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** Parts of a multipart upload (S3's smallest allowed part is 5 MiB); at most 4 are in memory at once. */
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/** A storage problem the operator fixes (missing bucket, refused credentials, unreachable endpoint). */
export class StorageError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'StorageError';
  }
}

export type S3Location = { bucket: string; prefix: string };

/** `s3://bucket/some/prefix` -> { bucket, prefix: 'some/prefix/' } (prefix '' for the bucket's root). */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url.trim());
  if (!m) throw new ConfigError(`masklab: invalid configuration\n  MASKLAB_STORAGE: must be s3://<bucket>[/<prefix>], got ${JSON.stringify(url)}`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix && !prefix.split('/').every((p) => SEGMENT.test(p))) {
    throw new ConfigError(`masklab: invalid configuration\n  MASKLAB_STORAGE: the prefix ${JSON.stringify(prefix)} may hold only letters, digits, . _ - and /`);
  }
  return { bucket: m[1], prefix: prefix ? `${prefix}/` : '' };
}

export type S3StoreOptions = S3Location & {
  /** AWS_ENDPOINT_URL: another S3-compatible service; unset: AWS S3 itself. */
  endpoint?: string;
  /** AWS_REGION (AWS_DEFAULT_REGION); default us-east-1, which MinIO and s3rver accept. */
  region?: string;
  /** Path-style addressing (MASKLAB_S3_PATH_STYLE=1): needed by MinIO, Garage and s3rver without DNS per bucket. */
  pathStyle?: boolean;
  credentials?: S3ClientConfig['credentials'];
  /** Bytes per part of a multipart upload (at least 5 MiB). */
  partSize?: number;
};

/** The store's options from the environment (the standard AWS variables). */
export function s3OptionsFromEnv(url: string, pathStyle: boolean, env: Record<string, string | undefined> = process.env): S3StoreOptions {
  return {
    ...parseS3Url(url),
    endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    pathStyle,
  };
}

/** `body` through a pass-through that counts its bytes and carries its error. */
export function countBytes(body: Readable): { stream: PassThrough; bytes: () => number; error: () => Error | null } {
  let n = 0;
  let failed: Error | null = null;
  const stream = new PassThrough({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      done(null, chunk);
    },
  });
  body.once('error', (err) => {
    failed = err;
    stream.destroy(err);
  });
  body.pipe(stream);
  return { stream, bytes: () => n, error: () => failed };
}

type AwsError = Error & { $metadata?: { httpStatusCode?: number }; Code?: string; code?: string };
const status = (err: unknown) => (err as AwsError)?.$metadata?.httpStatusCode;
const notFound = (err: unknown) => status(err) === 404 || ['NoSuchKey', 'NotFound'].includes((err as AwsError)?.name);

export class S3Store implements BlobStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string;
  private readonly partSize: number;

  constructor(opts: S3StoreOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix;
    this.endpoint = opts.endpoint ?? `AWS S3 (${opts.region ?? 'us-east-1'})`;
    this.partSize = Math.max(opts.partSize ?? DEFAULT_PART_SIZE, MIN_PART_SIZE);
    this.client = new S3Client({
      region: opts.region ?? 'us-east-1',
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.pathStyle ?? false,
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      // Checksums only where S3 requires them: MinIO, Garage and older servers refuse or mishandle the
      // newer default (a CRC32 trailer on every upload). Integrity is still checked: originals are
      // content-addressed and `storage migrate` verifies their sha256.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  get where(): string {
    return `s3://${this.bucket}/${this.prefix} at ${this.endpoint}`;
  }

  private key(key: string): string {
    const parts = key.split('/');
    if (!key || !parts.every((p) => SEGMENT.test(p))) throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
    return this.prefix + key;
  }

  /** Wraps an SDK error with the bucket, the endpoint and what to do. */
  private explain(err: unknown, what: string): Error {
    const e = err as AwsError;
    const code = status(e);
    const where = `bucket "${this.bucket}" at ${this.endpoint}`;
    if (code === 404 || e?.name === 'NoSuchBucket' || e?.name === 'NotFound') {
      return new StorageError(`masklab: the S3 ${where} does not exist (MASKLAB_STORAGE=s3://${this.bucket}/${this.prefix}); create it first, or fix MASKLAB_STORAGE / AWS_ENDPOINT_URL`);
    }
    if (code === 403 || code === 401 || e?.name === 'AccessDenied' || e?.name === 'InvalidAccessKeyId' || e?.name === 'SignatureDoesNotMatch') {
      return new StorageError(`masklab: access to the S3 ${where} was refused (${e.name}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket's policy`);
    }
    if (code === 301 || e?.name === 'PermanentRedirect') {
      return new StorageError(`masklab: the S3 ${where} is in another region: set AWS_REGION to the bucket's region`);
    }
    const net = (e as NodeJS.ErrnoException)?.code ?? (e?.cause as NodeJS.ErrnoException | undefined)?.code;
    if (net && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH)$/.test(net)) {
      return new StorageError(`masklab: cannot reach the S3 endpoint ${this.endpoint} (${net}) for ${what}: check AWS_ENDPOINT_URL and that the service runs`);
    }
    const out = new Error(`S3 ${what} in ${where} failed: ${e?.name ?? 'error'}: ${e?.message ?? String(err)}`);
    (out as Error & { cause?: unknown }).cause = err;
    return out;
  }

  /** HeadBucket: that the bucket exists and these credentials reach it (run at start). */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw this.explain(err, 'HeadBucket');
    }
  }

  async put(key: string, data: Buffer): Promise<void> {
    const Key = this.key(key);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: data, ContentLength: data.length }));
    } catch (err) {
      throw this.explain(err, `PutObject ${Key}`);
    }
  }

  /** Multipart upload of parts of `partSize` (one PutObject when the stream is shorter than a part). */
  async putStream(key: string, body: Readable): Promise<number> {
    const Key = this.key(key);
    const counted = countBytes(body);
    const upload = new Upload({ client: this.client, params: { Bucket: this.bucket, Key, Body: counted.stream }, partSize: this.partSize, queueSize: 4 });
    try {
      await upload.done();
    } catch (err) {
      // A source that fails (a body over its limit, a cut connection) fails the upload, whose parts
      // lib-storage aborts: nothing is stored. Its own error (a 413, say) goes to the caller as it is.
      await upload.abort().catch(() => {});
      if (counted.error()) throw counted.error();
      throw this.explain(err, `upload of ${Key}`);
    }
    return counted.bytes();
  }

  async get(key: string): Promise<Buffer | null> {
    const Key = this.key(key);
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (err) {
      if (notFound(err) && (err as AwsError).name !== 'NoSuchBucket') return null;
      throw this.explain(err, `GetObject ${Key}`);
    }
  }

  async getStream(key: string): Promise<{ body: Readable; size: number } | null> {
    const Key = this.key(key);
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return { body: r.Body as Readable, size: Number(r.ContentLength ?? 0) };
    } catch (err) {
      if (notFound(err) && (err as AwsError).name !== 'NoSuchBucket') return null;
      throw this.explain(err, `GetObject ${Key}`);
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const Key = this.key(key);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { size: Number(r.ContentLength ?? 0), modified: r.LastModified ?? new Date(0) };
    } catch (err) {
      // HEAD has no body: a missing bucket also reads as 404 here; check() at start tells them apart.
      if (notFound(err)) return null;
      throw this.explain(err, `HeadObject ${Key}`);
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.key(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (notFound(err) && (err as AwsError).name !== 'NoSuchBucket') return;
      throw this.explain(err, `DeleteObject ${Key}`);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    for await (const o of this.listWithInfo(prefix)) yield o.key;
  }

  /** Every key under a prefix with its size and modification time (one listing, no HEAD per key). */
  async *listWithInfo(prefix: string): AsyncIterable<{ key: string } & BlobInfo> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }));
      } catch (err) {
        throw this.explain(err, `ListObjectsV2 ${this.prefix + prefix}`);
      }
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue;
        yield { key: o.Key.slice(this.prefix.length), size: Number(o.Size ?? 0), modified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
