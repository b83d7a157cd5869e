// 200,000 faces on PostgreSQL (issue #24): synthetic photos, faces (labels, splits, near-duplicate
// groups, label events) and cached Feature rows whose vectors are real ones (the dev set's, read from
// bench/train-data.ts's cache) with noise, inserted with multi-row `INSERT … SELECT unnest(…)`; then
// p50/p95 of what the pages and routes call (the same lib functions, not copies): the dashboard's
// numbers, the label desk's next faces and a label save, gallery pages with filters, the grid's
// "select all matching", the split of new faces (pinSplits), a retrain on cached features (the train
// job through a worker), the suggestions job and the dataset map.
//
//   eval "$(bash .ci/postgres.sh)"; npm run bench -- scale [--faces 20000] [--reuse] [--skip-map] [--skip-train]
//
// The database is `masklab_scale_<faces>` on the server of MASKLAB_BENCH_PG, else DATABASE_URL_PG
// (.ci/postgres.sh); `--reuse` keeps it (and a later run with `--reuse` skips seeding when it holds
// the faces), so that query changes can be measured without seeding again. Opt-in: only when named.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { BenchRow } from './run';
import { arg, flag, pctl } from './options';

export const optIn = true;

async function times(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Peak resident memory while `fn` runs (sampled every 200 ms, and the process's high-water mark). */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number; ms: number }> {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  const t0 = performance.now();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMb: peak / 2 ** 20, ms: performance.now() - t0 };
  } finally {
    clearInterval(t);
  }
}

type Pg = import('pg').Client;

/** Seeds `faces` faces (3 per photo) with real-looking feature vectors. */
async function seed(pg: Pg, faces: number, log: (s: string) => void) {
  const { realFaces } = await import('./train-data');
  const { CLASSES } = await import('../lib/classes');
  const { encodeVector, FEATURE_KEY } = await import('../lib/features/cache');
  const real = await realFaces(undefined, () => {});
  const byClass = new Map<string, typeof real>(CLASSES.map((c) => [c, real.filter((r) => r.label === c)]));

  let rnd = 24;
  const rand = () => ((rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const now = Date.now();
  const start = now - 60 * 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString();

  const users: string[] = [];
  for (let i = 0; i < 8; i++) {
    const id = `u${i}`;
    users.push(id);
    await pg.query(`INSERT INTO "User" (id, email, role, "passwordHash", "updatedAt") VALUES ($1, $2, $3, 'x', now())`, [id, `scale${i}@example.com`, i === 0 ? 'admin' : 'labeler']);
  }
  const PER_PHOTO = 3;
  const photos = Math.ceil(faces / PER_PHOTO);
  const BATCH = 10_000;
  for (let off = 0; off < photos; off += BATCH) {
    const n = Math.min(BATCH, photos - off);
    const cols: unknown[][] = [[], [], [], [], [], []];
    for (let i = off; i < off + n; i++) {
      cols[0].push(`p${String(i).padStart(7, '0')}`);
      cols[1].push(crypto.createHash('sha256').update(`scale-${i}`).digest('hex'));
      cols[2].push(users[1 + (i % 7)]);
      cols[3].push(`batch${Math.floor(i / 5000)}/photo${i}.jpg`);
      cols[4].push(i % 3 === 0 ? `batch${Math.floor(i / 5000)}` : null);
      cols[5].push(iso(start + Math.floor((i / photos) * 59 * 86_400_000)));
    }
    await pg.query(
      `INSERT INTO "Photo" (id, sha256, "uploaderId", source, "originalName", format, width, height, bytes, batch, "createdAt")
       SELECT id, sha, up, 'upload', name, 'jpeg', 2000, 1500, 500000, batch, at::timestamp FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, sha, up, name, batch, at)`,
      cols,
    );
  }
  log(`bench: scale: ${photos} photos`);
  // Faces: 60% labelled (5% of those excluded), split pinned on 90% of the labelled ones (the rest are the new
  // faces the next split places), 4% in near-duplicate groups, 90% with apparent gender; one label event each.
  const FACE_BATCH = 2_000;
  let featureMs = 0;
  for (let off = 0; off < faces; off += FACE_BATCH) {
    const n = Math.min(FACE_BATCH, faces - off);
    const f: unknown[][] = Array.from({ length: 14 }, () => []);
    const ev: unknown[][] = Array.from({ length: 6 }, () => []);
    const ft: unknown[][] = [[], [], []];
    for (let i = off; i < off + n; i++) {
      const id = `f${String(i).padStart(8, '0')}`;
      const photo = Math.floor(i / PER_PHOTO);
      const labelled = rand() < 0.6;
      const cls = CLASSES[Math.floor(rand() * CLASSES.length)];
      const label = labelled ? (rand() < 0.05 ? 'excluded' : cls) : null;
      const user = users[1 + (i % 7)];
      const at = start + Math.floor((i / faces) * 59 * 86_400_000) + Math.floor(rand() * 86_400_000);
      const split = labelled && label !== 'excluded' && rand() < 0.9 ? (['train', 'train', 'train', 'train', 'train', 'train', 'train', 'train', 'valid', 'test'] as const)[Math.floor(rand() * 10)] : null;
      const group = i % 50 < 2 ? `f${String(i - (i % 50)).padStart(8, '0')}` : null;
      // A real face of the class (any class when unlabelled), with noise.
      const pool = byClass.get(cls)!;
      const src = pool[Math.floor(rand() * pool.length)].pair;
      const t0 = performance.now();
      const noisy = (v: typeof src.plain) => {
        const out = new Float32Array(v.features.length);
        for (let k = 0; k < out.length; k++) out[k] = v.features[k] * (1 + 0.1 * gauss()) + 0.02 * gauss();
        return { features: out, age: v.age + 3 * gauss(), male: Math.min(1, Math.max(0, v.male + 0.05 * gauss())) };
      };
      const plain = noisy(src.plain);
      const mirrored = noisy(src.mirrored!);
      featureMs += performance.now() - t0;
      f[0].push(id);
      f[1].push(`p${String(photo).padStart(7, '0')}`);
      f[2].push(i % PER_PHOTO);
      f[3].push(crypto.randomBytes(8).toString('hex'));
      f[4].push(group);
      f[5].push(label);
      f[6].push(labelled ? user : null);
      f[7].push(labelled ? iso(at) : null);
      f[8].push(split);
      f[9].push(i % 10 === 9 ? null : plain.male);
      f[10].push(i % 10 === 9 ? null : plain.age);
      f[11].push(iso(start + Math.floor((i / faces) * 59 * 86_400_000)));
      f[12].push((i % PER_PHOTO) * 600);
      f[13].push(i % 97 === 0);
      if (labelled) {
        ev[0].push(`e${id}`);
        ev[1].push(id);
        ev[2].push(`p${String(photo).padStart(7, '0')}`);
        ev[3].push(user);
        ev[4].push(label);
        ev[5].push(iso(at));
      }
      ft[0].push(id, id);
      ft[1].push(false, true);
      ft[2].push(Buffer.from(encodeVector(plain)), Buffer.from(encodeVector(mirrored)));
    }
    await pg.query('BEGIN');
    await pg.query(
      `INSERT INTO "Face" (id, "photoId", index, x, y, w, h, score, "wholeImage", phash, "groupId", label, "labelledById", "labelledAt", split, "apparentMale", "apparentAge", "createdAt")
       SELECT id, ph, ix, x, 300, 500, 500, 0.9, whole, hash, grp, label, lby, lat::timestamp, split, male, age, at::timestamp
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::float8[], $11::float8[], $12::text[], $13::float8[], $14::bool[])
         AS t(id, ph, ix, hash, grp, label, lby, lat, split, male, age, at, x, whole)`,
      f,
    );
    await pg.query(
      `INSERT INTO "LabelEvent" (id, "faceId", "photoId", "userId", "newLabel", kind, "createdAt")
       SELECT id, face, ph, usr, label, 'label', at::timestamp FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, face, ph, usr, label, at)`,
      ev,
    );
    await pg.query(
      `INSERT INTO "Feature" ("faceId", backbone, mirrored, vector, "createdAt")
       SELECT face, $4, m, v, now() FROM unnest($1::text[], $2::bool[], $3::bytea[]) AS t(face, m, v)`,
      [...ft, FEATURE_KEY],
    );
    await pg.query('COMMIT');
    if ((off / FACE_BATCH) % 10 === 9) log(`bench: scale: ${off + n} faces`);
  }
  await pg.query('ANALYZE');
  return { featureMs };
}

export async function bench(): Promise<BenchRow[]> {
  const faces = Number(arg('faces') ?? 200_000);
  const server = process.env.MASKLAB_BENCH_PG ?? process.env.DATABASE_URL_PG;
  if (!server) throw new Error('no PostgreSQL server: eval "$(bash .ci/postgres.sh)" first, or set MASKLAB_BENCH_PG');
  const log = (s: string) => console.error(s);
  const name = `masklab_scale_${faces}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-bench-scale-'));
  process.env.MASKLAB_DATA_DIR = path.join(tmp, 'data');
  process.env.MASKLAB_MODELS_DIR = path.join(tmp, 'models');
  const u = new URL(server);
  u.pathname = `/${name}`;
  const url = u.toString();
  process.env.DATABASE_URL = url;

  const { default: pgm } = await import('pg');
  const admin = new pgm.Client({ connectionString: server });
  await admin.connect();
  const reuse = flag('reuse');
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  if (exists && !reuse) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  if (!exists || !reuse) await admin.query(`CREATE DATABASE ${name}`);

  const { migrate } = await import('../lib/db/migrate');
  const { createDb } = await import('../lib/db');
  await migrate(url);
  const pg = new pgm.Client({ connectionString: url });
  await pg.connect();
  const rows: BenchRow[] = [];
  const note = `${faces.toLocaleString('en')} faces, PostgreSQL`;
  const have = Number((await pg.query('SELECT COUNT(*) AS n FROM "Face"')).rows[0].n);
  if (have !== faces) {
    if (have) throw new Error(`${name} holds ${have} faces, not ${faces}: run without --reuse`);
    const t0 = performance.now();
    const { featureMs } = await seed(pg, faces, log);
    const s = (performance.now() - t0) / 1000;
    rows.push({ benchmark: `scale: seed ${faces} faces`, value: s, unit: 's', note: `photos, faces, events, 2 vectors a face (${(featureMs / 1000).toFixed(0)} s of it making vectors); ${Math.round(faces / s)} faces/s` });
  } else log(`bench: scale: reusing ${name}`);

  const db = createDb(url);
  const row = (benchmark: string, xs: number[], goal?: string, extra?: string) => {
    rows.push({ benchmark: `scale: ${benchmark} p50`, value: pctl(xs, 50), unit: 'ms', note: `${xs.length} calls` });
    rows.push({ benchmark: `scale: ${benchmark} p95`, value: pctl(xs, 95), unit: 'ms', goal, note: extra ? `${note}; ${extra}` : note });
  };
  try {
    const { dashboard, labelerPace } = await import('../lib/dataset/balance');
    const { confounds } = await import('../lib/dataset/confounds');
    const { activeFeaturesJob, apparentPending } = await import('../lib/features/queue');
    const { openLabelErrorCount } = await import('../lib/label-errors/db');
    const { labelFace, labelQueue, hasSuggestions } = await import('../lib/dataset/labels');
    const { classCounts } = await import('../lib/dataset/balance');
    const { listFaces, listPhotos, facesMatching, uploaders } = await import('../lib/dataset/gallery');
    const { blindFaceIds } = await import('../lib/dataset/reviews');
    const { pinSplits } = await import('../lib/dataset/split');
    const { CLASSES } = await import('../lib/classes');
    const labeler = { id: 'u1', email: 'scale1@example.com', name: null, role: 'labeler' as const };

    // What /dashboard renders: the page's five calls and the label-error section's two.
    const dash = () =>
      Promise.all([dashboard(db), confounds(db), apparentPending(db), activeFeaturesJob(db), labelerPace(db), openLabelErrorCount(db), db.labelError.count()]);
    await dash();
    row('dashboard', await times(15, dash), '≤ 150', 'dashboard() + confounds() + apparentPending() + activeFeaturesJob() + labelerPace() + label-error counts; the confound table as last counted');
    // The confound table's own count, which the dashboard redoes in the background at most every 30 s at this size,
    // and the dashboard while one runs beside it (the worst a page meets).
    const { confoundRows } = await import('../lib/dataset/confounds');
    row('confound table recount', await times(8, () => confoundRows(db)), '', 'confoundRows(): every labelled face with its photo; in the background, at most every 30 s');
    const during: number[] = [];
    for (let i = 0; i < 8; i++) {
      const recount = confoundRows(db);
      during.push((await times(1, dash))[0]);
      await recount;
    }
    row('dashboard during a recount', during, '', 'the dashboard with a confound recount beside it');

    // The desk: the page's first faces (spread point), then the next ones after a cursor, and a save each.
    const desk = () => Promise.all([hasSuggestions(db), classCounts(db), labelQueue(db, { limit: 20, spreadKey: labeler.id, order: 'imported' })]);
    await desk();
    row('label page (desk start)', await times(10, () => desk()), undefined, 'hasSuggestions + classCounts + labelQueue(spread)');
    let cursor = (await labelQueue(db, { limit: 1 }))[0]?.id;
    const nextMs: number[] = [];
    const saveMs: number[] = [];
    for (let i = 0; i < 60; i++) {
      let batch: Awaited<ReturnType<typeof labelQueue>> = [];
      let t = performance.now();
      batch = await labelQueue(db, { after: cursor, limit: 20 });
      nextMs.push(performance.now() - t);
      const face = batch[0];
      t = performance.now();
      await labelFace(db, labeler, face.id, CLASSES[i % 4]);
      saveMs.push(performance.now() - t);
      cursor = face.id;
    }
    row('next faces (queue after a cursor)', nextMs, '≤ 50', 'labelQueue({ after, limit: 20 }), GET /api/labels/queue');
    row('label save', saveMs, '≤ 50', 'labelFace(), POST /api/labels');

    // The gallery: faces with filters (newest first, as the page), a deep page, photos with a filter.
    const blind = await blindFaceIds(db, labeler);
    const filters: Parameters<typeof listFaces>[1][] = [
      { label: 'mask_young' },
      { label: 'unlabelled', page: 40 },
      { label: 'labelled', uploader: 'u3' },
      { whole: 'yes' },
      {},
      { label: 'excluded', page: 3 },
    ];
    const galleryMs = await times(30, (i) => Promise.all([uploaders(db), listFaces(db, filters[i % filters.length], { order: 'newest', blind })]));
    row('gallery faces page', galleryMs, '≤ 200', 'uploaders() + listFaces() over 6 filters (class, unlabelled page 40, labelled by uploader, whole images, all, excluded)');
    const photoFilters: Parameters<typeof listPhotos>[1][] = [{ label: 'nomask_old' }, { label: 'unlabelled', page: 20 }, {}];
    const photosMs = await times(12, (i) => listPhotos(db, photoFilters[i % 3], { blind }));
    row('gallery photos page', photosMs, '≤ 200', 'listPhotos() (class, unlabelled page 20, all)');
    const gridMs = await times(12, (i) => listFaces(db, { label: 'unlabelled', page: 1 + i * 50, pageSize: 60 }, { order: 'oldest' }));
    row('grid page', gridMs, '≤ 200', "the label grid: unlabelled, upload order, 60 a page, pages 1 to 551");
    let matched = 0;
    const selectMs = await times(10, async (i) => {
      matched = (await facesMatching(db, { label: 'excluded', uploader: `u${1 + (i % 7)}` })).length;
    });
    row('grid select all matching', selectMs, undefined, `facesMatching() of excluded faces by one uploader (~${matched} ids)`);
    const refusedMs = await times(10, () => facesMatching(db, { label: 'unlabelled' }).catch(() => null));
    row('grid select all, too many', refusedMs, undefined, 'facesMatching() refusing unlabelled (a count over the cap)');

    // The split of new faces (the first step of a retrain).
    const newFaces = Number((await pg.query(`SELECT COUNT(*) AS n FROM "Face" WHERE split IS NULL AND label IN ('mask_old','mask_young','nomask_old','nomask_young')`)).rows[0].n);
    const split = await withPeakRss(() => pinSplits(db));
    rows.push({ benchmark: 'scale: split (pinSplits)', value: split.ms / 1000, unit: 's', note: `${newFaces} new of ${note}: ${JSON.stringify(split.value)}` });
    // (a second run has nothing to place: what every later retrain pays)
    const split2 = await withPeakRss(() => pinSplits(db));
    rows.push({ benchmark: 'scale: split, nothing new', value: split2.ms / 1000, unit: 's', note });

    const { Worker } = await import('../lib/queue/worker');
    if (!flag('skip-train')) {
      const { queueRetrain, runTrainJob, TRAIN_JOB } = await import('../lib/training/job');
      // Without augmented views: the synthetic faces have vectors but no photos to make views from (views cost
      // one backbone pass each, measured by `npm run bench -- train`; the head's epochs are what is timed here).
      await queueRetrain(db, 'u0', { config: { views: [] } });
      const w = new Worker(db, { handlers: { [TRAIN_JOB]: runTrainJob }, log: () => {} });
      const r = await withPeakRss(() => w.runOnce());
      const job = await db.job.findFirstOrThrow({ where: { type: TRAIN_JOB }, orderBy: { createdAt: 'desc' } });
      const logs = (await db.jobLog.findMany({ where: { jobId: job.id }, orderBy: { id: 'asc' } })).map((l) => l.message);
      rows.push({
        benchmark: 'scale: retrain, features cached',
        value: r.ms / 1000,
        unit: 's',
        goal: '≤ 600',
        note: `${job.status}${job.error ? `: ${job.error}` : ''}; ${logs.filter((l) => /^(snapshot|train|features):/.test(l)).join('; ')}`,
      });
      rows.push({ benchmark: 'scale: retrain peak memory (RSS)', value: Math.round(r.peakMb), unit: 'MB', goal: '≤ 4096', note: 'the bench process: resident set high-water mark while the job ran' });

      if (job.status === 'succeeded') {
        const { computeSuggestions } = await import('../lib/suggest/job');
        const s = await withPeakRss(() => computeSuggestions(db));
        rows.push({ benchmark: 'scale: suggestions job', value: s.ms / 1000, unit: 's', note: `${s.value.suggested} unlabelled faces, ms ${JSON.stringify(Object.fromEntries(Object.entries(s.value.ms).map(([k, v]) => [k, Math.round(v)])))}; peak ${Math.round(s.peakMb)} MB` });
      }
    }
    // The desk and the grid with the model's suggestions (those of this run's retrain, or of an earlier run with --reuse).
    if ((await db.suggestion.count()) > 0) {
      const uncertainMs: number[] = [];
      let c: string | undefined;
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        const b = await labelQueue(db, { order: 'uncertain', after: c, limit: 20 });
        uncertainMs.push(performance.now() - t);
        c = b.at(-1)?.id;
      }
      row('next faces, least confident first', uncertainMs, '≤ 50', 'labelQueue({ order: "uncertain", after })');
      const sgFilters: Parameters<typeof listFaces>[1][] = [{ suggested: 'mask_old', confMax: 60 }, { suggested: 'nomask_young', confMin: 90, page: 5 }, { confMax: 40 }];
      const sgMs = await times(12, (i) => listFaces(db, sgFilters[i % 3], { order: 'newest' }));
      row('gallery page, suggestion filters', sgMs, '≤ 200', 'listFaces() by suggested class and confidence');
      const selMs = await times(6, async () => {
        matched = (await facesMatching(db, { suggested: 'mask_old', confMin: 99 }).catch(() => [])).length;
      });
      row('grid select all, suggestion filter', selMs, undefined, `facesMatching() suggested mask_old ≥ 99% (${matched} ids)`);
    }
    if (!flag('skip-map')) {
      const { runMapJob, MAP_JOB } = await import('../lib/dataset-map/job');
      const { queueMap } = await import('../lib/dataset-map/db');
      await queueMap(db, 'u0');
      const w = new Worker(db, { handlers: { [MAP_JOB]: runMapJob }, log: () => {} });
      const r = await withPeakRss(() => w.runOnce());
      const job = await db.job.findFirstOrThrow({ where: { type: MAP_JOB }, orderBy: { createdAt: 'desc' } });
      const res = job.result ? (JSON.parse(job.result) as { shown?: number; outliers?: number }) : {};
      const logged = await db.jobLog.findMany({ where: { jobId: job.id, message: { startsWith: 'map of' } }, select: { message: true } });
      rows.push({
        benchmark: 'scale: dataset map job',
        value: r.ms / 1000,
        unit: 's',
        note: `${job.status}${job.error ? `: ${job.error}` : ''}; ${res.shown ?? '?'} points on the map, ${res.outliers ?? '?'} outliers; peak ${Math.round(r.peakMb)} MB; ${logged[0]?.message ?? ''}; ${note}`,
      });
      const { readDatasetMap } = await import('../lib/dataset-map/db');
      const mapMs = await times(3, () => readDatasetMap(db, labeler));
      row('dataset map page data', mapMs, undefined, 'readDatasetMap()');
    }
  } finally {
    await db.$disconnect();
    await pg.end();
    if (!reuse) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
