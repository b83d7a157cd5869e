// Request bodies against a real `npm start` (issue 20 item 2): a chunked body (no Content-Length)
// far over a route's limit gets a 413 naming the limit as soon as it passes the limit, and the web
// process's peak memory grows with the limit, not with the body; a 16.7 MB photo reaches
// /api/predict whole (the middleware used to cut bodies at 10 MB).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, type App, freePort, killAll, newSite, serving, startApp } from './app';

const MB = 1024 * 1024;
const ZIP_MB = 40;

let site: Awaited<ReturnType<typeof newSite>>;
let app: App;
let token: string;
let web: number;

beforeAll(async () => {
  site = await newSite('bodies');
  app = startApp({ ...site.env, MASKLAB_MAX_ZIP_MB: String(ZIP_MB) }, await freePort());
  await serving(app);
  token = await adminToken(site.url);
  web = app.pids('web').at(-1)!;
});
afterAll(async () => {
  killAll();
  await site?.cleanup();
});

const kB = (status: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
const procStatus = () => fs.readFileSync(`/proc/${web}/status`, 'utf8');

/**
 * POSTs up to `total` zero bytes as a chunked body (no Content-Length), as fast as the server reads
 * them, and stops sending when the answer comes. Resolves with the answer and how much was sent.
 */
function sendChunked(path: string, contentType: string, total: number, { anonymous = false } = {}): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(`${app.base}${path}`, {
      method: 'POST',
      headers: { ...(anonymous ? {} : { authorization: `Bearer ${token}` }), 'content-type': contentType },
    });
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => {
        resolve({ status: res.statusCode!, body, sent });
        req.destroy();
      });
    });
    // The server may close the connection once it has answered: an error after the answer is no error.
    req.on('error', (err) => {
      if (!answered) reject(new Error(`${path}: ${err.message} after sending ${sent} bytes, before any answer`));
    });
    const chunk = Buffer.alloc(64 * 1024);
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('bodies over their limit, chunked', () => {
  it('are refused with 413 naming the limit, holding no more than about the limit in memory', async () => {
    // Load every route once with a small request, so module loading is not counted below.
    for (const path of ['/api/photos', '/api/predict', '/api/preview/capture']) {
      const r = await fetch(`${app.base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: new FormData() });
      expect(r.status, path).toBe(400);
    }
    expect((await fetch(`${app.base}/api/labels`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })).status).toBe(400);

    const multipart = 'multipart/form-data; boundary=----masklab';
    const cases = [
      { path: '/api/photos', type: multipart, limit: 100 * MB, message: 'The request is larger than the 100 MB limit (4 × MASKLAB_MAX_UPLOAD_MB): send fewer files at once, and zip archives to /api/photos/zip' },
      { path: '/api/predict', type: multipart, limit: 25 * MB, message: 'The image is larger than the 25 MB limit (MASKLAB_MAX_UPLOAD_MB)' },
      { path: '/api/preview/capture', type: multipart, limit: 25 * MB, message: 'The frame is larger than the 25 MB limit (MASKLAB_MAX_UPLOAD_MB)' },
      { path: '/api/photos/zip', type: 'application/zip', limit: ZIP_MB * MB, message: `The zip archive is larger than the ${ZIP_MB} MB limit (MASKLAB_MAX_ZIP_MB)` },
      // JSON routes stay behind the middleware, which reads (and drops) what is past its first 10 MB.
      { path: '/api/labels', type: 'application/json', limit: 1 * MB, message: 'The JSON body is larger than the 1 MB limit', middleware: true },
    ];
    for (const c of cases) {
      const total = Math.max(200 * MB, 6 * c.limit);
      fs.writeFileSync(`/proc/${web}/clear_refs`, '5'); // peak RSS := current RSS
      const before = kB(procStatus(), 'VmRSS');
      const r = await sendChunked(c.path, c.type, total);
      const grew = kB(procStatus(), 'VmHWM') - before;
      expect({ path: c.path, status: r.status, error: (JSON.parse(r.body) as { error?: string }).error }).toEqual({ path: c.path, status: 413, error: c.message });
      expect(grew, `${c.path}: peak RSS grew by ${Math.round(grew / MB)} MB for a ${total / MB} MB body`).toBeLessThan(2 * c.limit + 64 * MB);
      if (!c.middleware) expect(r.sent, `${c.path}: bytes sent before the 413`).toBeLessThan(c.limit + 64 * MB);
    }
    // The refused zip left nothing in the incoming folder.
    expect(fs.readdirSync(`${site.dataDir}/incoming`)).toEqual([]);
  });

  it('a 16.7 MB photo reaches /api/predict whole (no model yet: 409, not a body error)', async () => {
    const jpeg = await sharp(crypto.randomBytes(2500 * 2400 * 3), { raw: { width: 2500, height: 2400, channels: 3 } })
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .toBuffer();
    expect(jpeg.length).toBeGreaterThan(12 * MB);
    expect(jpeg.length).toBeLessThan(25 * MB);
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'big.jpg');
    const r = await fetch(`${app.base}/api/predict`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const body = (await r.json()) as { error?: string };
    expect({ status: r.status, error: body.error }).toEqual({ status: 409, error: 'No model has been promoted yet: train one first (Training page or `train --wait`)' });
  });

  it('an anonymous request to a route outside the middleware gets 401 before its body is read', async () => {
    const r = await sendChunked('/api/predict', 'multipart/form-data; boundary=----masklab', 200 * MB, { anonymous: true });
    expect({ status: r.status, error: (JSON.parse(r.body) as { error?: string }).error }).toEqual({ status: 401, error: 'Sign in required' });
    expect(r.sent).toBeLessThan(32 * MB);
  });
});
