// Two masklab hosts that share only a PostgreSQL database and an S3 bucket (issue #24's "done when"): each a
// real `npm start` (web server + worker) with its own data folder and models folder, both on one database and
// one bucket (s3rver on 127.0.0.1). Zips uploaded to one host are imported by whichever worker claims them,
// photos stored through one are served by the other, a model trained by either predicts on both, and an
// export written by one downloads from the other. Nothing of the team's data lands in either data folder.
// PostgreSQL only (TEST_DATABASE_URL): two hosts cannot share a SQLite file.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeZip } from '../helpers/zip';
import { startS3, type TestS3 } from '../helpers/s3';
import { CLASSES } from '@/lib/classes';
import { adminToken, type App, FIXTURES, freePort, killAll, newSite, serving, startApp, waitUntil } from './app';

const pg = /^postgres(ql)?:\/\//.test(process.env.TEST_DATABASE_URL ?? '');

let s3: TestS3;
let site: Awaited<ReturnType<typeof newSite>>;
let dirB: string;
let a: App;
let b: App;
let token: string;

const api = (app: App, p: string, init: RequestInit = {}) =>
  fetch(`${app.base}${p}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
const json = async <T>(r: Response | Promise<Response>): Promise<T> => {
  const res = await r;
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

/** Files under `dir` (recursively), less what any masklab start writes (its database-free bookkeeping). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe.skipIf(!pg)('two hosts sharing only PostgreSQL and S3', () => {
  beforeAll(async () => {
    s3 = await startS3('masklab-hosts');
    site = await newSite('host-a');
    dirB = fs.mkdtempSync(`${site.dataDir}-b`);
    const shared = { ...site.env, ...s3.env('team'), NEXTAUTH_SECRET: 'one-secret-for-every-host-0123456789abcdef', MASKLAB_WORKER_POLL_S: '1', MASKLAB_WORKER_THREADS: '1' };
    a = startApp(shared, await freePort());
    b = startApp({ ...shared, MASKLAB_DATA_DIR: dirB, MASKLAB_MODELS_DIR: path.join(dirB, 'models') }, await freePort());
    await Promise.all([serving(a), serving(b)]);
    token = await adminToken(site.url);
  }, 600_000);
  afterAll(async () => {
    killAll();
    await site?.cleanup();
    fs.rmSync(dirB, { recursive: true, force: true });
    await s3?.stop();
  });

  it('serve one team: imports, photos, a model and an export move between the hosts through the database and the bucket', { timeout: 900_000 }, async () => {
    // One labelled zip per class, uploaded to host B: the fixtures and a re-encoded copy of each (a new photo).
    const jobs: string[] = [];
    for (const cls of CLASSES) {
      const names = fs.readdirSync(path.join(FIXTURES, cls)).sort();
      const entries = [];
      for (const n of names) {
        const bytes = fs.readFileSync(path.join(FIXTURES, cls, n));
        entries.push({ name: n, data: bytes }, { name: `again-${n}`, data: await sharp(bytes).jpeg({ quality: 83 }).toBuffer() });
      }
      const r = await json<{ jobId: string }>(
        api(b, `/api/photos/zip?name=${cls}.zip&label=${cls}`, { method: 'POST', headers: { 'content-type': 'application/zip' }, body: new Uint8Array(makeZip(entries)) }),
      );
      jobs.push(r.jobId);
    }
    // Followed on host A: the job rows are shared.
    for (const id of jobs) {
      const v = await waitUntil(
        `import ${id}`,
        async () => {
          const r = await json<{ status: string; progress: { added: number; rejected: number } }>(api(a, `/api/imports/${id}`));
          return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : null;
        },
        300_000,
        1000,
      );
      expect(v.status).toBe('succeeded');
      expect(v.progress.rejected).toBe(0);
    }

    // Every photo imported through B is served by A, from the bucket.
    const faces = await json<{ items: { id: string; photoId: string }[] }>(api(a, '/api/faces?label=mask_old&limit=5'));
    expect(faces.items.length).toBeGreaterThan(0);
    const image = await api(a, `/api/photos/${faces.items[0].photoId}/image`);
    expect(image.status).toBe(200);
    expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(1000);

    // A retrain asked on A (run by either worker); the model predicts on both hosts.
    const { jobId } = await json<{ jobId: string }>(api(a, '/api/training/retrain', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    const trained = await waitUntil(
      'the retrain',
      async () => {
        const s = await json<{ job: { id: string; status: string; error: string | null } | null }>(api(b, '/api/training/status'));
        return s.job?.id === jobId && ['succeeded', 'failed', 'cancelled'].includes(s.job.status) ? s.job : null;
      },
      600_000,
      2000,
    );
    expect(trained.error).toBeNull();
    expect(trained.status).toBe('succeeded');
    const runs = await json<{ items: { id: string; status: string }[] }>(api(a, '/api/runs?limit=1'));
    const runId = runs.items[0].id;
    const name = fs.readdirSync(path.join(FIXTURES, 'nomask_young')).sort()[0];
    for (const host of [a, b]) {
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'nomask_young', name)))], { type: 'image/jpeg' }), name);
      const p = await json<{ model: { runId: string }; faces: { label: string }[] }>(api(host, '/api/predict', { method: 'POST', body: form }));
      expect(p.model.runId).toBe(runId);
      expect(p.faces.length).toBeGreaterThan(0);
    }

    // An export asked on B, downloaded from A.
    const { jobId: exportId } = await json<{ jobId: string }>(api(b, '/api/exports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    await waitUntil(
      'the export',
      async () => (await json<{ exports: { id: string; finishedAt: string | null; status: string }[] }>(api(a, '/api/exports'))).exports.find((e) => e.id === exportId && e.finishedAt),
      300_000,
      1000,
    );
    const download = await api(a, `/api/export?job=${exportId}`);
    expect(download.status).toBe(200);
    const zip = Buffer.from(await download.arrayBuffer());
    expect(zip.length).toBe(Number(download.headers.get('content-length')));
    expect(zip.subarray(0, 2).toString()).toBe('PK');

    // The team's photos, crops, models and archives are all in the bucket: neither host keeps them.
    for (const dir of [site.dataDir, dirB]) {
      const kept = filesUnder(dir).filter((f) => /^(store|exports|incoming)\//.test(f) || /\.(jpg|jpeg|png|zip)$/.test(f));
      expect(kept, dir).toEqual([]);
    }
    const inBucket: string[] = [];
    for await (const key of s3.store({ prefix: 'team/' }).list('')) inBucket.push(key);
    expect(inBucket.some((k) => k.startsWith('objects/'))).toBe(true);
    expect(inBucket.some((k) => k.startsWith(`models/${runId}/`))).toBe(true);
    expect(inBucket.some((k) => k === `exports/${exportId}.zip`)).toBe(true);
  });
});
