// Long jobs in chunks that any idle worker claims (lib/queue/chunks.ts): two workers share them, the
// parent sums their progress, cancelling the parent cancels them, a failed chunk is retried alone and
// the parent ends when every chunk has. SQLite by default, PostgreSQL with TEST_DATABASE_URL.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { finished as jobEnded, ranBy, sleep, until } from '../helpers/jobs';
import { cancel, enqueue } from '@/lib/queue/jobs';
import { type ChunkProgress, runChunks } from '@/lib/queue/chunks';
import { type JobContext, type JobHandler, Worker } from '@/lib/queue/worker';
import { FEATURES_CHUNK_JOB, jobFeatures, jobViews, MIN_CHUNKED_FACES, VIEWS_CHUNK_JOB } from '@/lib/features/job';
import { viewKey, type ViewName } from '@/lib/features/views';
import { encodeVector, featureKey, writeFeatures } from '@/lib/features/cache';
import { featureDim } from '@/lib/inference/backbone';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(async () => t.cleanup());
beforeEach(async () => {
  await t.db.job.deleteMany({});
});

type Chunk = { n: number; size: number };
const CHUNKS: Chunk[] = [1, 2, 3, 4, 5, 6].map((n) => ({ n, size: n * 10 }));

/** A parent that splits into CHUNKS and returns the chunks' results; every progress it writes is kept. */
function parentHandler(seen: ChunkProgress[]): JobHandler {
  return async (ctx) => {
    const parts = await runChunks<{ n: number; by: string }>(ctx, 'chunk', CHUNKS, {
      size: (p) => (p as Chunk).size,
      pollMs: 20,
      onProgress: async (p) => {
        seen.push(p);
        await ctx.progress({ features: p });
      },
    });
    return { parts };
  };
}

function worker(id: string, handlers: Record<string, JobHandler>) {
  return new Worker(t.db, { handlers, workerId: id, pollMs: 20, leaseMs: 5_000, log: () => {} });
}

const finished = (jobId: string) => jobEnded(t.db, jobId);

/** `n` faces without features, one photo each (no file behind them: the chunk handlers below stand in for the backbone). */
async function bareFaces(n: number, tag: string): Promise<string[]> {
  const user = await t.db.user.upsert({ where: { email: 'chunks@x.test' }, update: {}, create: { email: 'chunks@x.test', passwordHash: 'x' } });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const sha = `${tag}${Date.now().toString(16)}${i.toString(16).padStart(6, '0')}`.padEnd(64, 'c');
    const photo = await t.db.photo.create({ data: { sha256: sha, uploaderId: user.id, originalName: `${tag}${i}.jpg`, format: 'jpeg', width: 10, height: 10, bytes: 1 } });
    ids.push((await t.db.face.create({ data: { photoId: photo.id, index: 0, x: 0, y: 0, w: 10, h: 10, phash: '0'.repeat(16) } })).id);
  }
  return ids;
}

/** A `parent` job run by two workers `wa` and `wb` with `handlers`, until it ends. */
async function onTwoWorkers(handlers: Record<string, JobHandler>) {
  const a = worker('wa', handlers);
  const b = worker('wb', handlers);
  const job = await enqueue(t.db, { type: 'parent' });
  a.start();
  b.start();
  const done = await finished(job.id);
  await Promise.all([a.stop(), b.stop()]);
  return done;
}

describe(`job chunks on ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`, () => {
  it('chunks are claimed by different workers, the progress sums and the parent ends after all of them', async () => {
    // Each chunk waits until two chunks run at once: that needs a second worker taking chunks.
    let running = 0;
    let peak = 0;
    const chunk: JobHandler = async (ctx: JobContext) => {
      const { n, size } = ctx.payload as Chunk;
      running++;
      peak = Math.max(peak, running);
      try {
        await until(() => peak >= 2, 'a second worker to take a chunk');
        await ctx.progress({ done: size / 2, total: size });
        await sleep(30);
        await ctx.progress({ done: size, total: size });
        return { n, by: ctx.workerId };
      } finally {
        running--;
      }
    };
    const seen: ChunkProgress[] = [];
    const handlers = { parent: parentHandler(seen), chunk };
    const a = worker('wa', handlers);
    const b = worker('wb', handlers);
    const parent = await enqueue(t.db, { type: 'parent' });
    a.start();
    await until(async () => (await t.db.job.count({ where: { parentId: parent.id } })) === CHUNKS.length, 'the chunks');
    b.start();
    const done = await finished(parent.id);
    await Promise.all([a.stop(), b.stop()]);

    expect(done.status).toBe('succeeded');
    const parts = (JSON.parse(done.result!) as { parts: { n: number; by: string }[] }).parts;
    expect(parts.map((p) => p.n)).toEqual(CHUNKS.map((c) => c.n)); // every chunk's result, in order
    expect(new Set(parts.map((p) => p.by))).toEqual(new Set(['wa', 'wb']));
    const chunks = await t.db.job.findMany({ where: { parentId: parent.id } });
    expect(chunks.every((c) => c.status === 'succeeded')).toBe(true);
    // It finished after the last chunk did.
    expect(Math.max(...chunks.map((c) => c.finishedAt!.getTime()))).toBeLessThanOrEqual(done.finishedAt!.getTime());
    // Progress: summed over the chunks, the total known from the start, never going back, ending at the total.
    const total = CHUNKS.reduce((s, c) => s + c.size, 0);
    expect(seen.every((p) => p.total === total)).toBe(true);
    expect(seen.map((p) => p.done)).toEqual([...seen.map((p) => p.done)].sort((x, y) => x - y));
    expect(seen.some((p) => p.done > 0 && p.done < total)).toBe(true);
    expect(JSON.parse(done.progress)).toEqual({ features: { done: total, total } });
  });

  it('cancelling the parent cancels its chunks, queued and running', async () => {
    let started = 0;
    const chunk: JobHandler = async (ctx) => {
      started++;
      for (;;) {
        await ctx.checkpoint(); // throws once cancelled
        await sleep(20);
      }
    };
    const a = worker('wa', { parent: parentHandler([]), chunk });
    const parent = await enqueue(t.db, { type: 'parent' });
    a.start();
    await until(() => started === 1, 'a chunk to run');
    await cancel(t.db, parent.id);
    // The queued chunks at once, before any worker looks again.
    expect(await t.db.job.count({ where: { parentId: parent.id, status: 'queued' } })).toBe(0);
    const done = await finished(parent.id);
    await until(async () => (await t.db.job.count({ where: { parentId: parent.id, status: { in: ['queued', 'running'] } } })) === 0, 'the chunks to end');
    await a.stop();
    expect(done.status).toBe('cancelled');
    const chunks = await t.db.job.findMany({ where: { parentId: parent.id } });
    expect(chunks.map((c) => c.status)).toEqual(CHUNKS.map(() => 'cancelled'));
    expect(started).toBe(1);
  });

  it('a failed chunk is retried alone, and the parent succeeds', async () => {
    const runs: number[] = [];
    const chunk: JobHandler = async (ctx) => {
      const { n, size } = ctx.payload as Chunk;
      runs.push(n);
      if (n === 3 && runs.filter((x) => x === 3).length === 1) throw new Error('chunk 3 broke once');
      await ctx.progress({ done: size, total: size });
      return { n, by: ctx.workerId };
    };
    const a = worker('wa', { parent: parentHandler([]), chunk });
    const parent = await enqueue(t.db, { type: 'parent' });
    a.start();
    const done = await finished(parent.id);
    await a.stop();
    expect(done.status).toBe('succeeded');
    expect([...runs].sort()).toEqual([1, 2, 3, 3, 4, 5, 6]);
    const chunks = await t.db.job.findMany({ where: { parentId: parent.id }, orderBy: { createdAt: 'asc' } });
    expect(chunks.map((c) => c.attempts)).toEqual([1, 1, 2, 1, 1, 1]);
    expect(chunks.every((c) => c.status === 'succeeded')).toBe(true);
  });

  it('a chunk that fails every attempt fails the parent, which cancels the rest', async () => {
    const chunk: JobHandler = async (ctx) => {
      const { n, size } = ctx.payload as Chunk;
      if (n === 2) throw new Error('chunk 2 is broken');
      await ctx.progress({ done: size, total: size });
      return { n };
    };
    const a = worker('wa', { parent: parentHandler([]), chunk });
    const parent = await enqueue(t.db, { type: 'parent', maxAttempts: 1 });
    a.start();
    const done = await finished(parent.id);
    await a.stop();
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/chunk 2 is broken/);
    const two = await t.db.job.findFirstOrThrow({ where: { parentId: parent.id, payload: { contains: '"n":2' } } });
    expect(two.attempts).toBe(3);
    expect(await t.db.job.count({ where: { parentId: parent.id, status: { in: ['queued', 'running'] } } })).toBe(0);
  });

  it("a job's feature steps go to chunks that both workers take, each step its own", async () => {
    const n = MIN_CHUNKED_FACES + 6;
    const extra = MIN_CHUNKED_FACES + 2;
    const ids = await bareFaces(n + extra, 'f');
    // The chunk handler stands in for the backbone: it writes a vector per face that names the face's position.
    const chunk: JobHandler = async (ctx) => {
      const { ids: mine, kind } = ctx.payload as { ids: string[]; kind: 'faceres' };
      const vector = (i: number) => encodeVector({ features: new Float32Array(featureDim(kind)).fill(i), age: 30, male: 0.5 });
      await t.db.$transaction(
        writeFeatures(t.db, mine.flatMap((id) => [false, true].map((mirrored) => ({ faceId: id, backbone: featureKey(kind), mirrored, vector: vector(ids.indexOf(id)) })))),
      );
      await sleep(40); // long enough for the other worker to claim one too
      await ctx.progress({ done: mine.length, total: mine.length });
      return { computed: mine.length, cached: 0 };
    };
    const seen: { done: number; total: number }[] = [];
    const parent: JobHandler = async (ctx) => {
      // Two feature steps, as the retrain has (its split, then the evaluation sets): the second must not take
      // the first one's chunks for its own.
      const first = await jobFeatures(ctx, ids.slice(0, n), async (p) => void seen.push(p), 'faceres', 'train');
      const again = await jobFeatures(ctx, ids, async () => {}, 'faceres', 'eval-sets');
      return { first: first.size, again: again.size, firstValue: first.get(ids[5])!.plain.features[0] };
    };
    const done = await onTwoWorkers({ parent, [FEATURES_CHUNK_JOB]: chunk });
    expect(done.error).toBeNull();
    expect(JSON.parse(done.result!)).toEqual({ first: n, again: n + extra, firstValue: 5 });
    const all = await t.db.job.findMany({ where: { parentId: done.id } });
    expect(all.every((c) => c.status === 'succeeded' && c.type === FEATURES_CHUNK_JOB)).toBe(true);
    const ofStep = (step: string) => all.filter((c) => JSON.parse(c.payload).step === step);
    const chunks = ofStep('train:faceres');
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(ofStep('eval-sets:faceres').flatMap((c) => JSON.parse(c.payload).ids).sort()).toEqual(ids.slice(n).sort());
    expect(ofStep('train:faceres').length + ofStep('eval-sets:faceres').length).toBe(all.length);
    expect(await ranBy(t.db, chunks.map((c) => c.id))).toEqual(new Set(['wa', 'wb']));
    expect(chunks.flatMap((c) => JSON.parse(c.payload).ids).sort()).toEqual(ids.slice(0, n).sort());
    // Progress over the faces to embed, summed over the chunks, ending at all of them.
    expect(seen.at(-1)).toEqual({ done: n, total: n });
    const logs = (await t.db.jobLog.findMany({ where: { jobId: done.id } })).map((l) => l.message);
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^features: ${n} computed, 0 cached .*chunks\\)$`)));
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^features: ${extra} computed, ${n} cached .*chunks\\)$`)));
  });

  it("a retrain's augmented views go to views-chunk jobs that both workers take", async () => {
    const ids = await bareFaces(MIN_CHUNKED_FACES + 10, 'v');
    const views: ViewName[] = ['blur', 'lowres'];
    // Stands in for the backbone: each view's vector holds the face's position and the view's.
    const chunk: JobHandler = async (ctx) => {
      const p = ctx.payload as { ids: string[]; views: ViewName[]; seed: number; kind: 'faceres' };
      const rows = p.ids.flatMap((id) =>
        p.views.map((v, k) => ({
          faceId: id,
          backbone: viewKey(p.kind, v, p.seed),
          mirrored: false,
          vector: encodeVector({ features: new Float32Array(featureDim(p.kind)).fill(ids.indexOf(id) * 10 + k), age: 30, male: 0.5 }),
        })),
      );
      await t.db.$transaction(writeFeatures(t.db, rows));
      await sleep(40);
      await ctx.progress({ done: p.ids.length, total: p.ids.length });
      return { computed: rows.length };
    };
    const parent: JobHandler = async (ctx) => {
      const got = await jobViews(ctx, ids, async () => {}, { views, seed: 7, kind: 'faceres' });
      return { faces: got.size, third: got.get(ids[3])!.map((v) => v.features[0]) };
    };
    const done = await onTwoWorkers({ parent, [VIEWS_CHUNK_JOB]: chunk });
    expect(done.error).toBeNull();
    expect(JSON.parse(done.result!)).toEqual({ faces: ids.length, third: [30, 31] }); // every face, its views in order
    const chunks = await t.db.job.findMany({ where: { parentId: done.id } });
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks.every((c) => c.type === VIEWS_CHUNK_JOB && c.status === 'succeeded')).toBe(true);
    expect(chunks.flatMap((c) => JSON.parse(c.payload).ids).sort()).toEqual([...ids].sort());
    expect(await ranBy(t.db, chunks.map((c) => c.id))).toEqual(new Set(['wa', 'wb']));
  });
});
