// Model work off the calling thread (lib/models/threads.ts, lib/faces/threads.ts): a pool of worker threads,
// each with its own TF.js. The face analysis an upload runs on a thread gives what it gives on the caller's
// thread; the pool spreads requests over its threads, keeps a UserError's status, and falls back to the
// caller's thread where its threads cannot start.
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { analyseImage } from '../../lib/faces/pipeline';
import { analyseOffThread, faceThreads } from '../../lib/faces/threads';
import { decodeImage } from '../../lib/images';
import { ThreadPool } from '../../lib/models/threads';
import { UserError } from '../../lib/errors';
import { read, SCENES } from './fixtures';

const T = { timeout: 180_000 };
const echo = new ThreadPool(path.join(__dirname, '..', 'helpers', 'echo-thread.ts'), 2);
afterAll(async () => {
  await echo.close();
  await faceThreads()?.close();
});

describe('model threads', () => {
  it('spread requests over the pool, off the calling thread, and keep a UserError status', T, async () => {
    const replies = await Promise.all([1, 2, 3, 4].map((value) => echo.run<{ value: number; threadId: number }>('echo', { value })));
    expect(replies.map((r) => r.value)).toEqual([1, 2, 3, 4]);
    expect(replies.every((r) => r.threadId !== threadId)).toBe(true);
    expect(new Set(replies.map((r) => r.threadId)).size).toBe(2);
    const err = await echo.run('refuse', { status: 413 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).status).toBe(413);
  });

  it('run on the calling thread when their threads cannot start', T, async () => {
    const broken = new ThreadPool(path.join(__dirname, 'no-such-thread-module.ts'), 1);
    expect(await broken.runOr('echo', { value: 1 }, [], async () => 'local')).toBe('local');
    await broken.close();
  });

  it('analyse an upload on a model thread as on the caller thread', T, async () => {
    const rgb = (await decodeImage(read(SCENES[0].path), { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 })).rgb;
    const here = await analyseImage(rgb);
    const there = await analyseOffThread(rgb);
    expect(faceThreads()?.started).toBeGreaterThanOrEqual(1);
    expect(there.samples.length).toBeGreaterThan(0);
    expect(there.samples.map((s) => [s.box, s.phash, s.wholeImage])).toEqual(here.samples.map((s) => [s.box, s.phash, s.wholeImage]));
    expect(Buffer.isBuffer(there.samples[0].cropJpeg)).toBe(true);
    expect(there.samples[0].cropJpeg.length).toBeGreaterThan(1000);
  });
});
