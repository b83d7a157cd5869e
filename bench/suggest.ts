// Suggestions for 20,000 unlabelled faces whose features are cached (vectors seeded directly, no
// backbone): the suggest job's work (`computeSuggestions`: load the cached vectors, run the head
// with mirror TTA, write the Suggestion rows), then the desk's "least confident first" queue and a
// bulk accept of 5,000 faces with its one undo. Goal: the 20,000 well under a minute.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../lib/db';
import { migrate } from '../lib/db/migrate';
import type { Actor } from '../lib/auth/roles';
import { FEATURE_DIM } from '../lib/inference/backbone';
import { labelQueue, undoLastLabel } from '../lib/dataset/labels';
import { facesMatching } from '../lib/dataset/gallery';
import { acceptSuggestions } from '../lib/suggest/accept';
import { getTf } from '../lib/models/tf';
import { encodeVector, FEATURE_KEY } from '../lib/features/cache';
import { buildHead, DEFAULT_HEAD } from '../lib/training/head';
import { buildModelMeta } from '../lib/training/meta';
import { computeSuggestions } from '../lib/suggest/job';
import type { BenchRow } from './run';

const FACES = 20_000;
const CHUNK = 1_000;

async function populate(db: Db): Promise<Actor> {
  const u = await db.user.create({ data: { email: 'bench@example.com', role: 'labeler', passwordHash: 'x' } });
  const photos = Array.from({ length: FACES / 10 }, (_, i) => ({
    id: `p${String(i).padStart(6, '0')}`,
    sha256: crypto.createHash('sha256').update(String(i)).digest('hex'),
    uploaderId: u.id,
    originalName: `batch/photo${i}.jpg`,
    format: 'jpeg',
    width: 2000,
    height: 1500,
    bytes: 500_000,
  }));
  await db.photo.createMany({ data: photos });
  let rnd = 7;
  const rand = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const start = Date.now() - 86_400_000;
  for (let off = 0; off < FACES; off += CHUNK) {
    const faces = [];
    const features = [];
    for (let i = off; i < off + CHUNK; i++) {
      const id = `f${String(i).padStart(7, '0')}`;
      faces.push({ id, photoId: photos[Math.floor(i / 10)].id, index: i % 10, x: (i % 10) * 180, y: 300, w: 160, h: 160, score: 0.9, phash: '0'.repeat(16), createdAt: new Date(start + i) });
      for (const mirrored of [false, true]) {
        const v = { features: new Float32Array(FEATURE_DIM).map(() => rand() - 0.5), age: 20 + rand() * 50, male: rand() };
        features.push({ faceId: id, backbone: FEATURE_KEY, mirrored, vector: encodeVector(v) });
      }
    }
    await db.face.createMany({ data: faces });
    await db.feature.createMany({ data: features });
  }
  return { id: u.id, email: u.email, name: null, role: 'labeler' };
}

export async function bench(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-bench-suggest-'));
  const url = `file:${path.join(dir, 'bench.db')}`;
  const db = createDb(url);
  try {
    await migrate(url);
    const t0 = performance.now();
    const labeler = await populate(db);
    const seedMs = performance.now() - t0;

    const tf = await getTf();
    const cfg = { ...DEFAULT_HEAD, useAge: true };
    const meta = buildModelMeta({ runId: 'bench', head: cfg, mirrorTta: true, bestEpoch: 1, seed: 1, snapshot: { faces: 0, perSplit: {} } });
    const head = { model: buildHead(tf, meta.preprocessing.dim, cfg, 1), meta, runId: 'bench' };

    const t1 = performance.now();
    const summary = await computeSuggestions(db, { head });
    const suggestMs = performance.now() - t1;
    if (summary.suggested !== FACES || summary.computed !== 0) throw new Error(`expected ${FACES} cached faces, got ${JSON.stringify(summary)}`);

    const queueMs: number[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const batch = await labelQueue(db, { order: 'uncertain', after: cursor, limit: 20 });
      queueMs.push(performance.now() - t);
      cursor = batch.at(-1)?.id;
    }
    queueMs.sort((a, b) => a - b);

    const t2 = performance.now();
    const ids = await facesMatching(db, { label: 'unlabelled' }, { cap: FACES });
    const selected = ids.slice(0, 5000);
    const accepted = await acceptSuggestions(db, labeler, selected);
    const acceptMs = performance.now() - t2;
    const t3 = performance.now();
    const undone = await undoLastLabel(db, labeler);
    const undoMs = performance.now() - t3;

    return [
      { benchmark: 'suggest: seed 20k faces + cached features', value: seedMs / 1000, unit: 's', note: '2 vectors per face, SQLite' },
      { benchmark: 'suggest: 20k faces, features cached', value: suggestMs / 1000, unit: 's', goal: '≪ 60', note: `computeSuggestions(): ms ${JSON.stringify(summary.ms)}` },
      { benchmark: 'suggest: suggestions per second', value: Math.round(FACES / (suggestMs / 1000)), unit: '/s', note: `${FACES} faces` },
      { benchmark: 'suggest: uncertain queue of 20 p95', value: queueMs[Math.floor(0.95 * queueMs.length)], unit: 'ms', note: 'labelQueue({ order: "uncertain" }) after a cursor' },
      { benchmark: 'suggest: bulk accept 5,000', value: acceptMs, unit: 'ms', note: `filter resolved + ${accepted.accepted} labels in one batch` },
      { benchmark: 'suggest: undo the bulk accept', value: undoMs, unit: 'ms', note: `${undone?.batch?.faces ?? 0} faces restored` },
    ];
  } finally {
    await db.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
