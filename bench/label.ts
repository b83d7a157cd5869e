// Labelling speed with 20,000 faces in a fresh SQLite database: the label action (the
// same lib function POST /api/labels calls), undo, the queue, a grid page and the whole
// dashboard (what /dashboard calls). Goals: p95 ≤ 50 ms per label, ≤ 150 ms per dashboard.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../lib/db';
import { migrate } from '../lib/db/migrate';
import type { Actor } from '../lib/auth/roles';
import { CLASSES, LABELS } from '../lib/classes';
import { labelFace, labelQueue, undoLastLabel } from '../lib/dataset/labels';
import { listFaces } from '../lib/dataset/gallery';
import { dashboard } from '../lib/dataset/balance';
import { confounds } from '../lib/dataset/confounds';
import { apparentPending } from '../lib/features/queue';
import type { BenchRow } from './run';
import { pctl } from './options';

const FACES = 20_000;
const LABELLED_SHARE = 0.6;
const CHUNK = 2_000;

async function time<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** 20,000 faces over 2,000 photos, 60% labelled (with their events) by 4 labelers over 30 days. */
async function populate(db: Db): Promise<{ users: Actor[] }> {
  const users: Actor[] = [];
  for (let i = 0; i < 4; i++) {
    const u = await db.user.create({ data: { email: `bench${i}@example.com`, role: i === 0 ? 'admin' : 'labeler', passwordHash: 'x' } });
    users.push({ id: u.id, email: u.email, name: null, role: i === 0 ? 'admin' : 'labeler' });
  }
  const photos = Array.from({ length: FACES / 10 }, (_, i) => ({
    id: `p${String(i).padStart(6, '0')}`,
    sha256: crypto.createHash('sha256').update(String(i)).digest('hex'),
    uploaderId: users[i % 4].id,
    originalName: `photo${i}.jpg`,
    format: 'jpeg',
    width: 2000,
    height: 1500,
    bytes: 500_000,
  }));
  await db.photo.createMany({ data: photos });
  const start = Date.now() - 30 * 86_400_000;
  let rnd = 42;
  const rand = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let off = 0; off < FACES; off += CHUNK) {
    const faces = [];
    const events = [];
    for (let i = off; i < Math.min(FACES, off + CHUNK); i++) {
      const id = `f${String(i).padStart(7, '0')}`;
      const labelled = rand() < LABELLED_SHARE;
      const label = labelled ? LABELS[Math.floor(rand() * (rand() < 0.05 ? LABELS.length : CLASSES.length))] : null;
      const user = users[1 + (i % 3)];
      const at = new Date(start + Math.floor(rand() * 30 * 86_400_000));
      faces.push({
        id,
        photoId: photos[Math.floor(i / 10)].id,
        index: i % 10,
        x: (i % 10) * 180,
        y: 300,
        w: 160,
        h: 160,
        score: 0.9,
        phash: crypto.randomBytes(8).toString('hex'),
        groupId: i % 50 < 2 ? `f${String(i - (i % 50)).padStart(7, '0')}` : null,
        label,
        labelledById: labelled ? user.id : null,
        labelledAt: labelled ? at : null,
        split: labelled && i < FACES / 2 ? (['train', 'train', 'train', 'valid', 'test'] as const)[i % 5] : null,
        apparentMale: i % 10 === 9 ? null : ((i * 7919) % 1000) / 1000, // 90% with apparent gender
        createdAt: new Date(start + i),
      });
      if (labelled) events.push({ faceId: id, userId: user.id, oldLabel: null, newLabel: label, kind: 'label', createdAt: at });
    }
    await db.face.createMany({ data: faces });
    await db.labelEvent.createMany({ data: events });
  }
  return { users };
}

export async function bench(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-bench-label-'));
  const url = `file:${path.join(dir, 'bench.db')}`;
  const db = createDb(url);
  try {
    await migrate(url);
    const t0 = performance.now();
    const { users } = await populate(db);
    const seedMs = performance.now() - t0;
    const labeler = users[1];

    // Warm up (connection, statement caches), as a running server would be.
    await dashboard(db);
    const warm = await labelQueue(db, { limit: 5 });
    for (const f of warm) await labelFace(db, labeler, f.id, 'mask_old');

    const N = 300;
    const labelMs: number[] = [];
    const queueMs: number[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < N; i += 20) {
      let batch: Awaited<ReturnType<typeof labelQueue>> = [];
      queueMs.push(await time(async () => (batch = await labelQueue(db, { after: cursor, limit: 20 }))));
      for (const f of batch) labelMs.push(await time(() => labelFace(db, labeler, f.id, CLASSES[labelMs.length % 4])));
      cursor = batch[batch.length - 1]?.id;
    }
    const startMs: number[] = [];
    for (let i = 0; i < 20; i++) startMs.push(await time(() => labelQueue(db, { spreadKey: `user-${i}`, limit: 20 })));
    const undoMs: number[] = [];
    for (let i = 0; i < 50; i++) undoMs.push(await time(() => undoLastLabel(db, labeler)));
    const dashMs: number[] = [];
    for (let i = 0; i < 20; i++) dashMs.push(await time(() => dashboard(db)));
    const confMs: number[] = [];
    for (let i = 0; i < 20; i++) confMs.push(await time(() => Promise.all([confounds(db), apparentPending(db)])));
    const gridMs: number[] = [];
    for (let p = 1; p <= 20; p++) gridMs.push(await time(() => listFaces(db, { label: 'unlabelled', page: p * 7, pageSize: 60 }, { order: 'oldest' })));

    const note = `${FACES} faces, ${Math.round(LABELLED_SHARE * 100)}% labelled, SQLite`;
    return [
      { benchmark: 'label: seed 20k faces + events', value: seedMs / 1000, unit: 's', note: 'createMany in chunks of 2,000' },
      { benchmark: 'label: label action p50', value: pctl(labelMs, 50), unit: 'ms', note: `${labelMs.length} labels via labelFace()` },
      { benchmark: 'label: label action p95', value: pctl(labelMs, 95), unit: 'ms', goal: '≤ 50', note },
      { benchmark: 'label: undo p95', value: pctl(undoMs, 95), unit: 'ms', note: `${undoMs.length} undos` },
      { benchmark: 'label: queue of 20 p95', value: pctl(queueMs, 95), unit: 'ms', note: 'labelQueue() after a cursor' },
      { benchmark: 'label: queue start p95', value: pctl(startMs, 95), unit: 'ms', note: "the /label page's first 20, at the user's spread point" },
      { benchmark: 'label: grid page p95', value: pctl(gridMs, 95), unit: 'ms', note: '60 thumbnails + total count' },
      { benchmark: 'label: dashboard p50', value: pctl(dashMs, 50), unit: 'ms', note: 'dashboard(): all counts' },
      { benchmark: 'label: dashboard p95', value: pctl(dashMs, 95), unit: 'ms', goal: '≤ 150', note },
      { benchmark: 'label: dashboard confounds p95', value: pctl(confMs, 95), unit: 'ms', note: 'confounds() + apparentPending(): the confound table, warnings and gender cells' },
    ];
  } finally {
    await db.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
