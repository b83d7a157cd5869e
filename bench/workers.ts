// Long jobs spread over workers (issue #24 item 2): the same job on the same data with one
// `npm run worker` and with two, on PostgreSQL. On a 2-core machine the ratio of the two wall times is
// what counts (each worker is one TF.js wasm thread).
// - `--job features` (default): a features job. Photos are the shared dev set's real images (each
//   stored under many photo rows, so that every face is a real decode + detection-box crop + backbone
//   pass, plain and mirrored); the faces' boxes are the detector's.
// - `--job import`: a zip upload of `--entries` photos (the dev set's images, each re-encoded at a
//   slightly different size so that every entry is a new photo: decode, detection, crops, features).
//
//   eval "$(bash .ci/postgres.sh)"; npm run bench -- workers [--job features|import] [--faces 2000] [--entries 400] [--workers 1,2] [--threads 1]
//
// Each worker gets MASKLAB_WORKER_THREADS=1 (`--threads`): the chunks, not the threads, are measured.
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from './run';
import { arg } from './options';

export const optIn = true;

function startWorker(env: NodeJS.ProcessEnv, log: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'jobs', 'worker.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = fs.createWriteStream(log);
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => /waiting for jobs/.test(String(d)) && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready; see ${log}`)));
  });
  ready.catch(() => {});
  return { child, ready };
}

export async function bench(): Promise<BenchRow[]> {
  const faces = Number(arg('faces') ?? 2000);
  const counts = (arg('workers') ?? '1,2').split(',').map(Number);
  const server = process.env.MASKLAB_BENCH_PG ?? process.env.DATABASE_URL_PG;
  if (!server) throw new Error('no PostgreSQL server: eval "$(bash .ci/postgres.sh)" first, or set MASKLAB_BENCH_PG');
  const { DATA_ROOT, listImageFolder } = await import('./train-data');
  const files = listImageFolder(path.join(DATA_ROOT, 'facemask-dev')).map((f) => f.file);
  if (files.length === 0) throw new Error(`no images under ${DATA_ROOT}/facemask-dev`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-bench-workers-'));
  const name = `masklab_workers_${crypto.randomBytes(3).toString('hex')}`;
  const u = new URL(server);
  u.pathname = `/${name}`;
  const url = u.toString();
  const env = { ...process.env, DATABASE_URL: url, MASKLAB_DATA_DIR: path.join(tmp, 'data'), MASKLAB_MODELS_DIR: path.join(tmp, 'models'), MASKLAB_WORKER_POLL_S: '1', MASKLAB_WORKER_THREADS: arg('threads') ?? '1' };
  Object.assign(process.env, { DATABASE_URL: url, MASKLAB_DATA_DIR: env.MASKLAB_DATA_DIR, MASKLAB_MODELS_DIR: env.MASKLAB_MODELS_DIR });
  const { default: pgm } = await import('pg');
  const admin = new pgm.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const { migrate } = await import('../lib/db/migrate');
  const { createDb } = await import('../lib/db');
  await migrate(url);
  const db = createDb(url);
  const rows: BenchRow[] = [];
  const children: ChildProcess[] = [];
  try {
    const user = await db.user.create({ data: { email: 'workers@example.com', passwordHash: 'x', role: 'admin' } });
    const job = arg('job') ?? 'features';
    if (job !== 'features' && job !== 'import') throw new Error(`--job ${job}: features or import`);
    const run = job === 'features' ? await featuresRun(db, user.id, files, env.MASKLAB_DATA_DIR, faces) : await importRun(db, user.id, files, env.MASKLAB_DATA_DIR, Number(arg('entries') ?? 400));
    const wall: Record<number, number> = {};
    for (const n of counts) {
      await run.reset();
      const ws = Array.from({ length: n }, (_, k) => startWorker(env, path.join(tmp, `worker-${n}-${k}.log`)));
      children.push(...ws.map((w) => w.child));
      await Promise.all(ws.map((w) => w.ready));
      const t0 = performance.now();
      const jobId = await run.queue();
      let status = 'queued';
      while (status === 'queued' || status === 'running') {
        await new Promise((r) => setTimeout(r, 500));
        status = (await db.job.findUniqueOrThrow({ where: { id: jobId } })).status;
      }
      const ms = performance.now() - t0;
      const chunks = await db.job.findMany({ where: { parentId: jobId }, select: { lockedBy: true } });
      const logs = await db.jobLog.findMany({ where: { job: { parentId: jobId }, message: { startsWith: 'started by worker' } }, select: { message: true } });
      const byWorker = new Map<string, number>();
      for (const l of logs) {
        const w = /started by worker (\S+)/.exec(l.message)?.[1] ?? '?';
        byWorker.set(w, (byWorker.get(w) ?? 0) + 1);
      }
      // CPU each worker process used (all its threads: libvips, the model thread), from /proc: how many cores one keeps busy.
      const cpu = ws.map((w) => {
        try {
          const f = fs.readFileSync(`/proc/${w.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
          return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
        } catch {
          return NaN;
        }
      });
      for (const w of ws) w.child.kill('SIGTERM');
      await Promise.all(ws.map((w) => new Promise((r) => (w.child.exitCode !== null ? r(null) : w.child.once('exit', r)))));
      wall[n] = ms;
      rows.push({
        benchmark: `workers: ${run.what}, ${n} worker${n > 1 ? 's' : ''}`,
        value: ms / 1000,
        unit: 's',
        note: `${status}; ${chunks.length} chunks, taken per worker: ${[...byWorker.values()].join(' + ')}; ${(ms / run.items) | 0} ms ${run.per}; CPU per worker ${cpu.map((c) => `${c.toFixed(1)} s`).join(' + ')} (${cpu.map((c) => (c / (ms / 1000)).toFixed(2)).join(' + ')} cores)`,
      });
    }
    if (wall[1] && wall[2]) {
      rows.push({ benchmark: `workers: ${job}, 2 workers / 1 worker`, value: wall[2] / wall[1], unit: '×', goal: '≈ 0.5', note: 'wall time ratio, same faces, same run' });
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await db.$disconnect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

type Db = import('../lib/db').Db;
/** One measured job: how to set its data back before a run, and how to queue it. */
type Run = { what: string; items: number; per: string; reset: () => Promise<unknown>; queue: () => Promise<string> };

/** A features job on `faces` faces of the dev set's real images (each stored under many photo rows). */
async function featuresRun(db: Db, userId: string, files: string[], dataDir: string, faces: number): Promise<Run> {
  const { LocalStore } = await import('../lib/storage/local');
  const { originalKey } = await import('../lib/storage');
  const { decodeOriginal } = await import('../lib/features/cache');
  const { analyseImage } = await import('../lib/faces/pipeline');
  const { queueFeatures } = await import('../lib/features/queue');
  // The sources: each image decoded and its faces detected once.
  const store = new LocalStore(path.join(dataDir, 'store'));
  const sources: { bytes: Buffer; width: number; height: number; boxes: { x: number; y: number; w: number; h: number }[] }[] = [];
  for (const f of files) {
    const bytes = fs.readFileSync(f);
    const image = await decodeOriginal(bytes);
    const a = await analyseImage(image);
    if (a.samples.length) sources.push({ bytes, width: image.width, height: image.height, boxes: a.samples.map((s) => s.box) });
  }
  let made = 0;
  for (let i = 0; made < faces; i++) {
    const src = sources[i % sources.length];
    const sha = crypto.createHash('sha256').update(`workers-${i}`).digest('hex');
    await store.put(originalKey(sha), src.bytes);
    const photo = await db.photo.create({ data: { sha256: sha, uploaderId: userId, originalName: `p${i}.jpg`, format: 'jpeg', width: src.width, height: src.height, bytes: src.bytes.length } });
    const boxes = src.boxes.slice(0, faces - made);
    await db.face.createMany({ data: boxes.map((b, k) => ({ photoId: photo.id, index: k, ...b, phash: '0'.repeat(16) })) });
    made += boxes.length;
  }
  console.error(`bench: workers: ${made} faces on ${sources.length} real images`);
  return {
    what: `features job, ${made} faces`,
    items: made,
    per: 'a face',
    reset: async () => {
      await db.feature.deleteMany({});
      await db.face.updateMany({ data: { apparentMale: null, apparentAge: null } });
      await db.job.deleteMany({});
    },
    queue: async () => (await queueFeatures(db, userId)).job.id,
  };
}

/** A zip upload of `entries` new photos (the dev set's images re-encoded at slightly different sizes), as `receiveZip` leaves it. */
async function importRun(db: Db, userId: string, files: string[], dataDir: string, entries: number): Promise<Run> {
  const { default: sharp } = await import('sharp');
  const { ZipFile } = await import('yazl');
  const { incomingDir } = await import('../lib/import/incoming');
  const { queueZipImport } = await import('../lib/import/progress');
  const zipped = path.join(dataDir, 'bench-upload.zip');
  fs.mkdirSync(dataDir, { recursive: true });
  const zip = new ZipFile();
  const done = new Promise<void>((r) => zip.outputStream.pipe(fs.createWriteStream(zipped)).on('close', () => r()));
  for (let i = 0; i < entries; i++) {
    const src = sharp(fs.readFileSync(files[i % files.length]));
    const { width = 640 } = await src.metadata();
    zip.addBuffer(await src.resize(Math.max(64, width - 1 - Math.floor(i / files.length))).jpeg({ quality: 90 }).toBuffer(), `bench/${i}.jpg`, { compress: false });
  }
  zip.end();
  await done;
  console.error(`bench: workers: a zip of ${entries} photos (${(fs.statSync(zipped).size / 1024 / 1024).toFixed(1)} MB)`);
  return {
    what: `zip import, ${entries} photos`,
    items: entries,
    per: 'an entry',
    reset: async () => {
      await db.photo.deleteMany({});
      await db.job.deleteMany({});
    },
    queue: async () => {
      // The job removes its upload: each run imports a copy.
      const file = path.join(incomingDir(dataDir), `bench-${crypto.randomBytes(4).toString('hex')}.zip`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.copyFileSync(zipped, file);
      return (await queueZipImport(db, { file, name: 'bench.zip', label: null, uploaderId: userId })).jobId;
    },
  };
}
