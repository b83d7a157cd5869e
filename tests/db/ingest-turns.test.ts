// A burst of uploads decodes and analyses at most MASKLAB_INGEST_CONCURRENCY photos at once per process (the
// rest wait their turn), so that on a small machine the requests that only touch the database — a label save —
// still find a core. Every photo of the burst is stored.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { analyseFaces, ingestPhoto, type IngestOptions } from '@/lib/dataset/ingest';
import { LocalStore } from '@/lib/storage';

process.env.MASKLAB_INGEST_CONCURRENCY = '1'; // read at the first ingest (config() is parsed once, lazily)

let t: TestDb;
let tmp: string;
let uploaderId: string;
beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-turns-'));
  uploaderId = (await t.db.user.create({ data: { email: 'turns@x.test', passwordHash: 'x' } })).id;
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('ingest turns', () => {
  it('analyse one photo at a time with MASKLAB_INGEST_CONCURRENCY=1, and store every photo', async () => {
    let running = 0;
    let peak = 0;
    const opts: IngestOptions = {
      store: new LocalStore(path.join(tmp, 'store')),
      limits: { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 },
      duplicateFaceDistance: 10,
      analyse: async (rgb) => {
        peak = Math.max(peak, ++running);
        try {
          await new Promise((r) => setTimeout(r, 30)); // long enough for the others to try their turn
          return await analyseFaces(rgb);
        } finally {
          running--;
        }
      },
    };
    const photos = await Promise.all(
      Array.from({ length: 4 }, () => sharp(crypto.randomBytes(160 * 120 * 3), { raw: { width: 160, height: 120, channels: 3 } }).jpeg().toBuffer()),
    );
    const results = await Promise.all(photos.map((bytes, i) => ingestPhoto(t.db, opts, { bytes, name: `n${i}.jpg`, uploaderId, source: 'upload' })));
    expect(results.map((r) => r.status)).toEqual(['added', 'added', 'added', 'added']);
    expect(peak).toBe(1);
    expect(await t.db.photo.count()).toBe(4);
  }, 120_000);
});
