// Label-error finder benchmark (`npm run bench -- label-errors`):
//  - the label-errors job on 3,000 labelled faces with cached vectors (the real vectors of
//    ../shared/data/facemask-dev + facemask-extra replicated with noise, so no backbone runs): the
//    whole job as the worker runs it (5 folds of the training recipe, ranking, 3,000 rows stored), goal ≤ 30 s;
//  - recall on the real data: 12 labels flipped (6 mask ↔ no mask, 6 young ↔ old) in the 414 real
//    faces, how many of them the finder ranks in its top 30 (goal ≥ 8), over 3 seeds.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from './run';
import { realFaces, type RealFace } from './train-data';
import { synthesize } from './train';
import { CLASSES, type ClassName, classIndex } from '../lib/classes';
import { createDb } from '../lib/db';
import { migrate } from '../lib/db/migrate';
import { prng, shuffleInPlace } from '../lib/random';
import { backendName, getTf } from '../lib/models/tf';
import { Worker } from '../lib/queue/worker';
import { encodeVector, FEATURE_KEY } from '../lib/features/cache';
import { rankLabelErrors } from '../lib/label-errors/rank';
import { queueLabelErrors } from '../lib/label-errors/db';
import { LABEL_ERRORS_JOB, runLabelErrorsJob } from '../lib/label-errors/job';
import { outOfFoldProbs } from '../lib/training/cross-validate';
import { DEFAULT_HEAD } from '../lib/training/head';

const flipMask = (c: ClassName): ClassName => (c.startsWith('mask') ? (c.replace('mask', 'nomask') as ClassName) : (c.replace('nomask', 'mask') as ClassName));
const flipAge = (c: ClassName): ClassName => (c.endsWith('old') ? (c.replace('old', 'young') as ClassName) : (c.replace('young', 'old') as ClassName));

/** Flips 6 mask and 6 age labels (seeded), finds label errors out of fold, returns how many flips rank in the top 30. */
export async function flippedRecall(faces: readonly RealFace[], seed: number): Promise<{ found: number; ranks: number[] }> {
  const tf = await getTf();
  const order = shuffleInPlace(
    faces.map((_, i) => i),
    prng(seed),
  );
  const flipped = new Map<number, ClassName>();
  order.slice(0, 6).forEach((i) => flipped.set(i, flipMask(faces[i].label)));
  order.slice(6, 12).forEach((i) => flipped.set(i, flipAge(faces[i].label)));
  const y = faces.map((f, i) => classIndex(flipped.get(i) ?? f.label));
  const probs = await outOfFoldProbs(tf, { pairs: faces.map((f) => f.pair), y }, { seed, config: DEFAULT_HEAD });
  const ranked = rankLabelErrors(faces.map((_, i) => ({ faceId: String(i), label: y[i], probs: probs[i] })));
  const ranks = [...flipped.keys()].map((i) => ranked.findIndex((r) => r.faceId === String(i)) + 1).sort((a, b) => a - b);
  return { found: ranks.filter((r) => r <= 30).length, ranks };
}

/** The whole job on `n` labelled faces whose vectors are already cached. */
async function jobSeconds(faces: readonly RealFace[], n: number): Promise<{ s: number; stored: number }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-bench-le-'));
  const url = `file:${path.join(tmp, 'bench.db')}`;
  await migrate(url);
  const db = createDb(url);
  try {
    const user = await db.user.create({ data: { email: 'bench@example.com', role: 'admin', passwordHash: 'x' } });
    const { pairs, y } = synthesize(faces, n, 11);
    const perPhoto = 10;
    for (let p = 0; p * perPhoto < n; p++) {
      const photo = await db.photo.create({
        data: { sha256: crypto.randomBytes(32).toString('hex'), uploaderId: user.id, originalName: `bench-${p}.jpg`, format: 'jpeg', width: 1000, height: 200, bytes: 1 },
      });
      const idx = Array.from({ length: Math.min(perPhoto, n - p * perPhoto) }, (_, k) => p * perPhoto + k);
      await db.face.createMany({
        data: idx.map((i, k) => ({ id: `f${String(i).padStart(5, '0')}`, photoId: photo.id, index: k, x: 100 * k, y: 0, w: 90, h: 90, phash: '0', label: CLASSES[y[i]], labelledById: user.id })),
      });
      await db.feature.createMany({
        data: idx.flatMap((i) => [
          { faceId: `f${String(i).padStart(5, '0')}`, backbone: FEATURE_KEY, mirrored: false, vector: encodeVector(pairs[i].plain) },
          { faceId: `f${String(i).padStart(5, '0')}`, backbone: FEATURE_KEY, mirrored: true, vector: encodeVector(pairs[i].mirrored!) },
        ]),
      });
    }
    const { job } = await queueLabelErrors(db, user.id);
    const t0 = performance.now();
    await new Worker(db, { handlers: { [LABEL_ERRORS_JOB]: runLabelErrorsJob }, log: () => {} }).runOnce();
    const s = (performance.now() - t0) / 1000;
    const done = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    if (done.status !== 'succeeded') throw new Error(`label-errors job ${done.status}: ${done.error?.split('\n').filter((l) => l.length < 300).join(' ')}`);
    return { s, stored: (JSON.parse(done.result!) as { stored: number }).stored };
  } finally {
    await db.$disconnect();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export async function bench(): Promise<BenchRow[]> {
  await getTf();
  const backend = await backendName();
  const faces = await realFaces();
  const load = () => `load avg ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`;
  const rows: BenchRow[] = [];
  const job = await jobSeconds(faces, 3000);
  rows.push({ benchmark: 'label-errors: job on 3,000 labelled faces', value: job.s, unit: 's', goal: '≤ 30', note: `5 folds, ${job.stored} rows stored, cached vectors, ${backend}, ${load()}` });
  const runs = [];
  for (const seed of [1, 2, 3]) runs.push(await flippedRecall(faces, seed));
  rows.push({
    benchmark: 'label-errors: 12 flipped real labels in the top 30',
    value: runs.reduce((a, r) => a + r.found, 0) / runs.length,
    unit: 'of 12',
    goal: '≥ 8',
    note: `${faces.length} real faces; per seed ${runs.map((r) => r.found).join(', ')}; ranks ${runs.map((r) => r.ranks.join('/')).join('; ')}`,
  });
  return rows;
}
