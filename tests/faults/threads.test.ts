// Model threads under a real `npm start` (the Next.js production server and the worker it supervises): an
// upload's face detection runs on a face-analysis thread of the web process, not on its event loop, and the
// worker's features job on its feature threads. The pools fall back to the calling thread when their threads
// cannot start (so uploads never break), which would hide a thread entry that no longer loads: this checks
// the threads themselves answered.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@/lib/db';
import { queueFeatures } from '@/lib/features/queue';
import { adminToken, type App, FIXTURES, freePort, killAll, newSite, serving, startApp, waitUntil } from './app';

let site: Awaited<ReturnType<typeof newSite>>;
let app: App;
let token: string;

beforeAll(async () => {
  site = await newSite('threads');
  app = startApp({ ...site.env, MASKLAB_WORKER_THREADS: '1', MASKLAB_WORKER_POLL_S: '1' }, await freePort());
  await serving(app);
  token = await adminToken(site.url);
});
afterAll(async () => {
  killAll();
  await site?.cleanup();
});

describe('model threads under npm start', () => {
  it("the web process detects an upload's faces on its face-analysis thread", async () => {
    const form = new FormData();
    for (const cls of ['mask_old', 'nomask_young']) {
      const name = fs.readdirSync(path.join(FIXTURES, cls)).sort()[0];
      form.append('files', new Blob([new Uint8Array(fs.readFileSync(path.join(FIXTURES, cls, name)))], { type: 'image/jpeg' }), name);
    }
    const r = await fetch(`${app.base}/api/photos`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(r.status).toBe(200);
    const { results } = (await r.json()) as { results: { status: string; faces?: number; wholeImage?: boolean }[] };
    expect(results.map((x) => x.status)).toEqual(['added', 'added']);
    // The first fixture has a face the detector finds (the second is a tight crop: a whole-image sample).
    expect(results[0]).toMatchObject({ faces: 1, wholeImage: false });
    expect(app.output()).toContain('masklab: face analysis thread 1 of 1 ready');
    expect(app.output()).not.toMatch(/thread could not start/);
  });

  it('the worker computes features on its feature thread', async () => {
    const db = createDb(site.url);
    try {
      const { job } = await queueFeatures(db, null);
      const done = await waitUntil('the features job to end', async () => {
        const j = await db.job.findUniqueOrThrow({ where: { id: job.id } });
        return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : null;
      });
      expect(done.error).toBeNull();
      expect(done.status).toBe('succeeded');
      expect(await db.face.count({ where: { apparentMale: null } })).toBe(0);
    } finally {
      await db.$disconnect();
    }
    expect(app.output()).toContain('masklab: feature thread 1 of 1 ready');
    expect(app.output()).not.toMatch(/thread could not start/);
  });
});
