// The BlobStore contract on S3 (s3rver on 127.0.0.1) and on the local disk alike: put/get/stat/delete/list,
// streaming reads and writes, multipart uploads over the part size, a failing source that stores nothing,
// and the errors an operator sees (a missing bucket names the bucket and the endpoint).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '@/lib/config';
import { type BlobStore, getStream, LocalStore, MIN_PART_SIZE, originalKey, parseS3Url, putStream, S3Store, s3OptionsFromEnv, StorageError } from '@/lib/storage';
import { startS3, type TestS3 } from '../helpers/s3';

let s3: TestS3;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-store-'));
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
async function drain(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}
/** `total` bytes in chunks of 64 KiB, without holding them all at once. */
function source(total: number, seed: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return this.push(null);
      const n = Math.min(65536, total - sent);
      const b = Buffer.alloc(n, (sent / 65536 + seed) & 0xff);
      sent += n;
      this.push(b);
    },
  });
}

const stores: [string, () => BlobStore][] = [
  ['local disk', () => new LocalStore(fs.mkdtempSync(path.join(tmp, 'local-')))],
  ['S3', () => s3.store({ partSize: MIN_PART_SIZE })],
];

describe.each(stores)('BlobStore contract on %s', (_name, make) => {
  it('puts, gets, stats, lists and deletes', async () => {
    const s = make();
    const data = Buffer.from('hello photo');
    const key = originalKey(sha(data));
    expect(await s.get(key)).toBeNull();
    expect(await s.stat(key)).toBeNull();
    await s.put(key, data);
    expect(await s.get(key)).toEqual(data);
    const st = await s.stat(key);
    expect(st?.size).toBe(data.length);
    expect(st?.modified).toBeInstanceOf(Date);
    await s.put('derived/aa/x/thumb.jpg', Buffer.from('t'));
    const listed: string[] = [];
    for await (const k of s.list('objects/')) listed.push(k);
    expect(listed).toEqual([key]);
    const all: string[] = [];
    for await (const k of s.list('')) all.push(k);
    expect(all.sort()).toEqual(['derived/aa/x/thumb.jpg', key].sort());
    await s.put(key, Buffer.from('replaced'));
    expect((await s.get(key))?.toString()).toBe('replaced');
    await s.delete(key);
    await s.delete(key); // a missing key is not an error
    expect(await s.get(key)).toBeNull();
    await expect(s.put('../escape', Buffer.from('x'))).rejects.toThrow(/invalid storage key/);
  });

  it('streams reads and writes; a write over the part size goes up in parts and comes back whole', async () => {
    const s = make();
    const total = 2 * MIN_PART_SIZE + 12345; // three parts on S3
    const expected = await drain(source(total, 7));
    const sent: string[] = [];
    if (s instanceof S3Store) {
      const send = s.client.send.bind(s.client);
      vi.spyOn(s.client, 'send').mockImplementation(((cmd: { constructor: { name: string } }, ...rest: unknown[]) => {
        sent.push(cmd.constructor.name);
        return (send as (...a: unknown[]) => unknown)(cmd, ...rest);
      }) as never);
    }
    expect(await putStream(s, 'exports/big.zip', source(total, 7))).toBe(total);
    if (s instanceof S3Store) expect(sent.filter((n) => n === 'UploadPartCommand')).toHaveLength(3);
    const got = await getStream(s, 'exports/big.zip');
    expect(got?.size).toBe(total);
    expect(sha(await drain(got!.body))).toBe(sha(expected));
    expect((await s.stat('exports/big.zip'))?.size).toBe(total);
    expect(await getStream(s, 'exports/none.zip')).toBeNull();
  });

  it('stores nothing when the source stream fails part-way, and passes its error on', async () => {
    const s = make();
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent >= MIN_PART_SIZE + 65536) return this.destroy(new Error('client went away'));
        sent += 65536;
        this.push(Buffer.alloc(65536, 1));
      },
    });
    await expect(putStream(s, 'incoming/cut.zip', failing)).rejects.toThrow('client went away');
    expect(await s.stat('incoming/cut.zip')).toBeNull();
    const left: string[] = [];
    for await (const k of s.list('')) left.push(k);
    expect(left).toEqual([]);
  });
});

describe('S3 configuration and errors', () => {
  it('parses MASKLAB_STORAGE and the AWS variables', () => {
    expect(parseS3Url('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseS3Url('s3://my-bucket/team/a/')).toEqual({ bucket: 'my-bucket', prefix: 'team/a/' });
    const o = s3OptionsFromEnv('s3://b1b/p', true, { AWS_ENDPOINT_URL: 'http://minio:9000', AWS_REGION: 'eu-west-1' });
    expect(o).toMatchObject({ bucket: 'b1b', prefix: 'p/', endpoint: 'http://minio:9000', region: 'eu-west-1', pathStyle: true });
    const cfg = parseConfig({ MASKLAB_STORAGE: 's3://photos/masklab', MASKLAB_S3_PATH_STYLE: '1' }, tmp);
    expect(cfg).toMatchObject({ storage: 's3://photos/masklab', s3PathStyle: true });
    expect(parseConfig({}, tmp).storage).toBeUndefined();
    expect(() => parseConfig({ MASKLAB_STORAGE: '/var/photos' }, tmp)).toThrow(/MASKLAB_STORAGE: must be s3:\/\/<bucket>/);
    expect(() => parseConfig({ MASKLAB_STORAGE: 's3://Bad_Bucket' }, tmp)).toThrow(/MASKLAB_STORAGE/);
  });

  it('a missing bucket: check() names the bucket and the endpoint', async () => {
    const s = s3.store({ bucket: 'no-such-bucket' });
    const err = await s.check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toContain('"no-such-bucket"');
    expect((err as Error).message).toContain(s3.endpoint);
    expect((err as Error).message).toMatch(/does not exist/);
    await expect(s.put('objects/aa/x', Buffer.from('x'))).rejects.toThrow(/no-such-bucket.*does not exist/);
    await expect(s3.store().check()).resolves.toBeUndefined();
  });

  it('an endpoint nobody listens on: a clear error naming it', async () => {
    const s = new S3Store({ bucket: 'b-1', prefix: '', endpoint: 'http://127.0.0.1:1', pathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    s.client.config.maxAttempts = async () => 1;
    await expect(s.check()).rejects.toThrow(/cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:1|bucket "b-1"/);
  });
});
