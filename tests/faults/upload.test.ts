// The web server of a real `npm start` killed with SIGKILL in the middle of uploads: no photo
// row without its files, `storage check --fix` clears what the cut-short writes left, and
// after a restart the store is consistent.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageReport } from '@/lib/housekeeping/storage-check';
import { adminToken, alive, type App, cli, freePort, killAll, newSite, serving, startApp, waitUntil } from './app';

let site: Awaited<ReturnType<typeof newSite>>;
let app: App;
let token: string;

beforeAll(async () => {
  site = await newSite('web-kill');
  app = startApp(site.env, await freePort());
  await serving(app);
  token = await adminToken(site.url);
});
afterAll(async () => {
  killAll();
  await site?.cleanup();
});

/** A distinct JPEG each call (noise: no two are duplicates). */
const noiseJpeg = () =>
  sharp(crypto.randomBytes(480 * 360 * 3), { raw: { width: 480, height: 360, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();

const storageCheck = (fix = false) => {
  const r = cli(site.env, ['storage', 'check', '--json', ...(fix ? ['--fix'] : [])], { allowFail: true });
  return JSON.parse(r.stdout) as StorageReport;
};

/** Sets every file in the store 11 minutes back: older than what --fix leaves alone as "maybe in flight". */
function ageStore(dir: string) {
  if (!fs.existsSync(dir)) return;
  const old = new Date(Date.now() - 11 * 60_000);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) ageStore(p);
    else fs.utimesSync(p, old, old);
  }
}

describe('a web server killed with SIGKILL during uploads', () => {
  it('leaves no row without its files, and storage check --fix clears what the cut writes left', async () => {
    const images = await Promise.all(Array.from({ length: 40 }, noiseJpeg));
    let ok = 0;
    let next = 0;
    const upload = async () => {
      while (next < images.length) {
        const i = next++;
        const form = new FormData();
        form.append('files', new Blob([new Uint8Array(images[i])], { type: 'image/jpeg' }), `noise-${i}.jpg`);
        try {
          const r = await fetch(`${app.base}/api/photos`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
          if (r.status === 200) ok++;
        } catch {
          // the server was killed under this request
        }
      }
    };
    const uploads = Promise.all([upload(), upload(), upload(), upload()]);
    await waitUntil('a few uploads to be stored', () => ok >= 4, 120_000, 20);
    const web = app.pids('web').at(-1)!;
    const worker = app.pids('worker').at(-1)!;
    process.kill(web, 'SIGKILL');
    await uploads;
    // The web app dying stops everything (a supervisor restarts the whole thing).
    expect((await app.exited).code).not.toBe(0);
    expect(app.output()).toContain('masklab: web exited (SIGKILL); stopping');
    await waitUntil('the worker to stop with it', () => !alive(worker), 30_000);

    const after = storageCheck();
    expect(after.missing).toEqual([]); // every photo row has all its files
    expect(after.photos).toBeGreaterThanOrEqual(4);
    // Whatever the killed server left (files without a row, temporary files), --fix removes
    // once it is old enough not to be an upload in flight.
    ageStore(path.join(site.dataDir, 'store'));
    const fixed = storageCheck(true);
    expect(fixed.removed).toBe(after.orphans.length + after.temps.length);
    const clean = storageCheck();
    expect([clean.missing, clean.orphans, clean.temps]).toEqual([[], [], []]);
    expect(clean.photos).toBe(after.photos);
  });

  it('comes back up on the same data folder with a consistent store', async () => {
    app = startApp(site.env, await freePort());
    await serving(app);
    const before = storageCheck().photos;
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(await noiseJpeg())], { type: 'image/jpeg' }), 'after-restart.jpg');
    const r = await fetch(`${app.base}/api/photos`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { results: { status: string }[] }).results.map((x) => x.status)).toEqual(['added']);
    expect(storageCheck().photos).toBe(before + 1);
    const clean = storageCheck();
    expect([clean.missing, clean.orphans, clean.temps]).toEqual([[], [], []]);
  });
});
