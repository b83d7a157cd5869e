// An S3 API server (s3rver) on 127.0.0.1 for tests, with a temp directory and one bucket, and
// S3Store instances pointed at it. Its credentials are s3rver's fixed S3RVER / S3RVER.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3Store, type S3StoreOptions } from '@/lib/storage';

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export type TestS3 = {
  endpoint: string;
  bucket: string;
  /** A store under a new prefix of the bucket (every call: an empty store). */
  store(opts?: Partial<S3StoreOptions>): S3Store;
  /** The environment a masklab process needs to use `store`'s bucket and prefix. */
  env(prefix: string): Record<string, string>;
  stop(): Promise<void>;
};

export async function startS3(bucket = 'masklab-test'): Promise<TestS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    store: (opts = {}) =>
      new S3Store({
        bucket,
        prefix: `t-${crypto.randomBytes(4).toString('hex')}/`,
        endpoint,
        region: 'us-east-1',
        pathStyle: true,
        credentials: S3_CREDENTIALS,
        ...opts,
      }),
    env: (prefix) => ({
      MASKLAB_STORAGE: `s3://${bucket}/${prefix.replace(/\/$/, '')}`,
      MASKLAB_S3_PATH_STYLE: '1',
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    }),
    stop: async () => {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
