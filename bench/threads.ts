// Model threads (issue #24 item 3): photos ingested per second (`ingestPhoto`, SQLite, the upload path: decode,
// detection + crops on the model threads, derived images, rows) with 4 uploads in flight, and feature
// extraction (`ensureFeatures`) of the same photos' faces, with MASKLAB_WORKER_THREADS 0 (on the event loop),
// 1 and 2, each in its own process; and how late a 10 ms timer fires on the event loop meanwhile (what a label
// save waits behind in the web process). The photos are the shared dev set's (`--photos N`, default 60).
//
//   npm run bench -- threads [--photos 60] [--threads 0,1,2]
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from './run';
import { arg } from './options';

export const optIn = true;

type Result = { threads: number; photos: number; ingestS: number; faces: number; featuresS: number; lagP95: number; lagMax: number };

/** One measurement, in this process (run as a child with MASKLAB_WORKER_THREADS set). */
async function measure(n: number): Promise<Result> {
  const { DATA_ROOT, listImageFolder } = await import('./train-data');
  const files = listImageFolder(path.join(DATA_ROOT, 'facemask-dev'))
    .map((f) => f.file)
    .slice(0, n);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-bench-threads-'));
  process.env.MASKLAB_DATA_DIR = dir;
  const url = `file:${path.join(dir, 'bench.db')}`;
  const { migrate } = await import('../lib/db/migrate');
  const { createDb } = await import('../lib/db');
  const { ingestPhoto, defaultIngestOptions } = await import('../lib/dataset/ingest');
  const { ensureFeatures } = await import('../lib/features/cache');
  const { config } = await import('../lib/config');
  await migrate(url);
  const db = createDb(url);
  const user = await db.user.create({ data: { email: 'threads@example.com', passwordHash: 'x', role: 'admin' } });
  const opts = defaultIngestOptions();
  // Warm up: models loaded on every thread (or here), as a running server has them.
  const warm = fs.readFileSync(files[0]);
  await Promise.all([0, 1].map((k) => ingestPhoto(db, opts, { bytes: Buffer.concat([warm, Buffer.from(`w${k}`)]), name: `w${k}.jpg`, source: 'upload', uploaderId: user.id })));
  // And the feature threads (or this thread): the backbone loaded, as in a running worker.
  await ensureFeatures(db, (await db.face.findMany({ select: { id: true } })).map((f) => f.id), {});
  const warmFaces = new Set((await db.face.findMany({ select: { id: true } })).map((f) => f.id));
  const lags: number[] = [];
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    lags.push(now - last - 10);
    last = now;
  }, 10);
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < files.length) {
      const f = files[next++];
      // Made unique, so that every one is a new photo.
      const bytes = Buffer.concat([fs.readFileSync(f), Buffer.from(crypto.randomBytes(8))]);
      const r = await ingestPhoto(db, opts, { bytes, name: path.basename(f), source: 'upload', uploaderId: user.id });
      if (r.status !== 'added') throw new Error(`${f}: ${r.status}`);
    }
  };
  await Promise.all([1, 2, 3, 4].map(lane));
  const ingestS = (performance.now() - t0) / 1000;
  clearInterval(tick);
  const ids = (await db.face.findMany({ select: { id: true } })).map((f) => f.id).filter((id) => !warmFaces.has(id));
  const t1 = performance.now();
  await ensureFeatures(db, ids, {});
  const featuresS = (performance.now() - t1) / 1000;
  await db.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
  const s = [...lags].sort((a, b) => a - b);
  return { threads: config().workerThreads, photos: files.length, ingestS, faces: ids.length, featuresS, lagP95: s[Math.floor(0.95 * s.length)], lagMax: s[s.length - 1] };
}

export async function bench(): Promise<BenchRow[]> {
  const photos = Number(arg('photos') ?? 60);
  const counts = (arg('threads') ?? '0,1,2').split(',').map(Number);
  const rows: BenchRow[] = [];
  for (const n of counts) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, String(photos)], {
      env: { ...process.env, MASKLAB_WORKER_THREADS: String(n) },
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`threads ${n}: ${r.stderr.slice(-2000)}`);
    const m = JSON.parse(line) as Result;
    const label = n === 0 ? 'no threads (event loop)' : `${n} thread${n > 1 ? 's' : ''}`;
    rows.push({ benchmark: `threads: ingest, ${label}`, value: m.photos / m.ingestS, unit: 'photos/s', note: `${m.photos} photos, 4 uploads in flight, ${m.ingestS.toFixed(1)} s` });
    rows.push({ benchmark: `threads: event-loop lag during ingest, ${label}`, value: m.lagP95, unit: 'ms p95', note: `a 10 ms timer late by (max ${m.lagMax.toFixed(0)} ms)` });
    rows.push({ benchmark: `threads: features, ${label}`, value: m.faces / m.featuresS, unit: 'faces/s', note: `${m.faces} faces, plain + mirrored, ${m.featuresS.toFixed(1)} s` });
  }
  return rows;
}

if (require.main === module) {
  measure(Number(process.argv[2] ?? 60))
    .then((r) => {
      console.log(JSON.stringify(r));
      process.exit(0);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
