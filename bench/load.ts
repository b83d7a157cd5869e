// `npm run bench -- load [--seconds 60] [--uploaders 20] [--labellers 5] [--think-ms 0] [--port N] [--retrain-wait 240] [--keep]`
// A mixed load on a real server: its own `npm start` (SQLite, a temp data dir, loopback only,
// a free port unless --port). The admin first uploads every fixture once with its class; then,
// for --seconds: 20 uploaders (3 fixture photos a request, each made unique, every other
// request with a label, every third repeating an earlier photo), 5 labellers (the queue, then
// one label a request, one in five on a face another labeller just labelled; --think-ms between
// labels, as a person pauses to look at the next face: 0, no pause, saturates the server) and one retrain
// queued a quarter of the way in (followed until it ends, at most --retrain-wait s after).
// Then, from the database and the store directly: every photo the server accepted exists
// with all its files, and every accepted label is stored (each face carries the last label
// written to it; every change has its history event). Goal: no 5xx and nothing lost.
// Only when named: `npm run bench` alone skips it.
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '../lib/db';
import { CLASSES } from '../lib/classes';
import { checkStorage } from '../lib/housekeeping/storage-check';
import { LocalStore } from '../lib/storage';
import type { BenchRow } from './run';
import { pctl } from './options';

export const optIn = true;

const ROOT = path.resolve(__dirname, '..');
const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'facemask');
const ADMIN = { email: 'admin@load.test', password: 'load-admin-password' };
const REQUEST_TIMEOUT_MS = 180_000;

type Options = { seconds: number; uploaders: number; labellers: number; thinkMs: number; port?: number; keep: boolean; retrainWait: number };

function options(argv = process.argv.slice(2)): Options {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: {
      seconds: { type: 'string' },
      uploaders: { type: 'string' },
      labellers: { type: 'string' },
      'think-ms': { type: 'string' },
      port: { type: 'string' },
      keep: { type: 'boolean' },
      'retrain-wait': { type: 'string' },
    },
  });
  const num = (v: unknown, d: number) => (typeof v === 'string' && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);
  return {
    seconds: num(values.seconds, 60),
    uploaders: num(values.uploaders, 20),
    labellers: num(values.labellers, 5),
    thinkMs: num(values['think-ms'], 0),
    port: typeof values.port === 'string' ? Number(values.port) : undefined,
    keep: values.keep === true,
    retrainWait: num(values['retrain-wait'], 240),
  };
}

// ---- HTTP with a cookie jar and timings -------------------------------------------------------

type Sample = { endpoint: string; status: number; ms: number; phase: 'setup' | 'load' };
const samples: Sample[] = [];
let phase: Sample['phase'] = 'setup';

class Client {
  private cookies = new Map<string, string>();
  constructor(
    readonly base: string,
    readonly name: string,
  ) {}

  /** One request; status 0 for a network failure or timeout. Never throws. */
  async send(endpoint: string, urlPath: string, init: { method?: string; json?: unknown; form?: FormData | URLSearchParams } = {}) {
    const method = init.method ?? (init.json !== undefined || init.form ? 'POST' : 'GET');
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    // Same-origin, as a browser sends it on state-changing requests.
    if (method !== 'GET') headers.origin = this.base;
    let body: BodyInit | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.form) body = init.form;
    const t0 = performance.now();
    let status = 0;
    let data: unknown = null;
    let error: string | undefined;
    try {
      const res = await fetch(this.base + urlPath, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        this.cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
      }
      status = res.status;
      const text = await res.text();
      try {
        data = text ? JSON.parse(text) : null;
      } catch {
        data = text;
      }
    } catch (err) {
      error = (err as Error).message;
    }
    const ms = performance.now() - t0;
    samples.push({ endpoint, status, ms, phase });
    if (status >= 500 || status === 0) console.error(`load: ${this.name} ${endpoint}: ${status || error} ${JSON.stringify(data).slice(0, 200)}`);
    return { status, data: data as any, ms }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  async signIn(email: string, password: string): Promise<void> {
    const csrf = await this.send('GET /api/auth/csrf', '/api/auth/csrf');
    const form = new URLSearchParams({ csrfToken: csrf.data?.csrfToken ?? '', email, password, json: 'true' });
    const res = await this.send('POST /api/auth/callback/credentials', '/api/auth/callback/credentials', { form });
    const me = await this.send('GET /api/me', '/api/me');
    if (me.status !== 200) throw new Error(`sign-in of ${email} failed: ${res.status} ${JSON.stringify(res.data)}`);
  }
}

// ---- The server ---------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function startServer(dataDir: string, port: number): { child: ChildProcess; log: string } {
  const log = path.join(dataDir, 'server.log');
  const out = fs.openSync(log, 'a');
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), path.join(ROOT, 'jobs', 'start.ts')], {
    cwd: ROOT,
    detached: true, // its own process group: stopped as a whole at the end
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      PORT: String(port),
      HOSTNAME: '127.0.0.1',
      MASKLAB_DATA_DIR: dataDir,
      MASKLAB_MODELS_DIR: path.join(dataDir, 'models'),
      MASKLAB_ADMIN_EMAIL: ADMIN.email,
      MASKLAB_ADMIN_PASSWORD: ADMIN.password,
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      NEXT_TELEMETRY_DISABLED: '1',
      DATABASE_URL: '',
    },
  });
  fs.closeSync(out);
  return { child, log };
}

async function waitReady(base: string, child: ChildProcess, log: string): Promise<void> {
  const until = Date.now() + 15 * 60_000; // the first start may build the app
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}); see ${log}`);
    try {
      const res = await fetch(`${base}/login`, { signal: AbortSignal.timeout(5000) });
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    await sleep(1000);
  }
  throw new Error(`the server did not answer within 15 minutes; see ${log}`);
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = new Promise((r) => setTimeout(r, 20_000, 'timeout'));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- Photos: fixtures made unique -------------------------------------------------------------

type Fixture = { label: string; name: string; bytes: Buffer };

function fixtures(): Fixture[] {
  return CLASSES.flatMap((label) =>
    fs
      .readdirSync(path.join(FIXTURES, label))
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .map((name) => ({ label, name, bytes: fs.readFileSync(path.join(FIXTURES, label, name)) })),
  );
}

/** The same JPEG with a comment segment after SOI: identical pixels, new bytes (a new sha256). */
function unique(jpeg: Buffer, tag: string): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const text = Buffer.from(tag, 'utf8');
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xfffe, 0);
  seg.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), seg, text, jpeg.subarray(2)]);
}

// ---- What the clients saw accepted ------------------------------------------------------------

type AcceptedPhoto = { photoId: string; status: 'added' | 'duplicate'; faces?: number; uploader: string; label: string | null; file: string };
type LabelWrite = { faceId: string; label: string; userId: string; sent: number; received: number; changed: boolean };

export async function bench(): Promise<BenchRow[]> {
  const opt = options();
  const port = opt.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-load-'));
  console.error(`load: server on ${base}, data in ${dataDir}; ${opt.uploaders} uploaders, ${opt.labellers} labellers, ${opt.seconds} s`);
  const { child, log } = startServer(dataDir, port);
  const rows: BenchRow[] = [];
  let failed = false;
  try {
    await waitReady(base, child, log);

    // Accounts through the admin API, then each signs in (next-auth credentials, session cookie).
    const admin = new Client(base, 'admin');
    await admin.signIn(ADMIN.email, ADMIN.password);
    const adminId: string = (await admin.send('GET /api/me', '/api/me')).data.user.id;
    const makeUsers = async (prefix: string, n: number) => {
      const out: { client: Client; id: string }[] = [];
      for (let i = 0; i < n; i++) {
        const email = `${prefix}${i}@load.test`;
        const password = `${prefix}-password-${i}`;
        const res = await admin.send('POST /api/admin/users', '/api/admin/users', { json: { email, password, role: 'labeler' } });
        if (res.status !== 201) throw new Error(`creating ${email}: ${res.status} ${JSON.stringify(res.data)}`);
        const client = new Client(base, `${prefix}${i}`);
        await client.signIn(email, password);
        out.push({ client, id: res.data.user.id });
      }
      return out;
    };
    const uploaders = await makeUsers('uploader', opt.uploaders);
    const labellers = await makeUsers('labeller', opt.labellers);

    const pool = fixtures();
    const byClass = new Map(CLASSES.map((c) => [c as string, pool.filter((f) => f.label === c)]));
    const accepted: AcceptedPhoto[] = [];
    const rejected: string[] = [];
    const writes: LabelWrite[] = [];
    const recentFaces: string[] = []; // faces just labelled, for a second labeller to overwrite
    let retrain: { jobId?: string; status?: string; queuedAfterS?: number; finishedAfterS?: number; error?: string | null } = {};

    // Seed: the admin uploads every fixture once, labelled with its class, so the retrain has
    // faces of every class (uploads of the same fixture are near-duplicates, one group each).
    for (const cls of CLASSES) {
      const form = new FormData();
      for (const f of byClass.get(cls)!) form.append('files', new Blob([new Uint8Array(unique(f.bytes, `masklab-load seed ${crypto.randomUUID()}`))], { type: 'image/jpeg' }), `seed-${f.name}`);
      form.append('label', cls);
      const res = await admin.send('POST /api/photos', '/api/photos', { form });
      if (res.status !== 200) throw new Error(`seed upload: ${res.status} ${JSON.stringify(res.data)}`);
      for (const r of res.data.results as Array<{ file: string; status: string; photoId?: string; faces?: number; reason?: string }>) {
        if ((r.status === 'added' || r.status === 'duplicate') && r.photoId) accepted.push({ photoId: r.photoId, status: r.status, faces: r.faces, uploader: adminId, label: cls, file: r.file });
        else rejected.push(`${r.file}: ${r.reason}`);
      }
    }

    phase = 'load';
    const t0 = Date.now();
    const deadline = t0 + opt.seconds * 1000;

    const uploader = async ({ client, id }: { client: Client; id: string }, u: number) => {
      const sent: Buffer[] = [];
      for (let n = 0; Date.now() < deadline; n++) {
        // Even requests: 3 photos of one class, labelled; odd ones: 3 of any class, unlabelled.
        const cls = CLASSES[(u + n) % CLASSES.length];
        const labelled = n % 2 === 0;
        const picks = labelled
          ? [0, 1, 2].map((i) => byClass.get(cls)![(u * 3 + n + i) % byClass.get(cls)!.length])
          : [0, 1, 2].map((i) => pool[(u * 7 + n * 3 + i) % pool.length]);
        const files = picks.map((f, i) => ({ name: `u${u}-r${n}-${i}-${f.name}`, bytes: unique(f.bytes, `masklab-load ${u} ${n} ${i} ${crypto.randomUUID()}`) }));
        // Every third request (from the second on) repeats one of this uploader's earlier photos: the duplicate path.
        if (n % 3 === 1 && sent.length > 0) files[2] = { name: `u${u}-r${n}-dup.jpg`, bytes: sent[n % sent.length] };
        const form = new FormData();
        for (const f of files) form.append('files', new Blob([new Uint8Array(f.bytes)], { type: 'image/jpeg' }), f.name);
        if (labelled) form.append('label', cls);
        const res = await client.send('POST /api/photos', '/api/photos', { form });
        if (res.status !== 200) continue;
        for (const r of res.data.results as Array<{ file: string; status: string; photoId?: string; faces?: number; reason?: string }>) {
          if ((r.status === 'added' || r.status === 'duplicate') && r.photoId) {
            accepted.push({ photoId: r.photoId, status: r.status, faces: r.faces, uploader: id, label: labelled ? cls : null, file: r.file });
          } else rejected.push(`${r.file}: ${r.reason}`);
        }
        sent.push(...files.slice(0, 2).map((f) => f.bytes));
      }
    };

    const labeller = async ({ client, id }: { client: Client; id: string }, l: number) => {
      let rnd = l + 1;
      const random = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      while (Date.now() < deadline) {
        const q = await client.send('GET /api/labels/queue', '/api/labels/queue?limit=10&spread=1');
        const faces: string[] = q.status === 200 ? q.data.faces.map((f: { id: string }) => f.id) : [];
        if (faces.length === 0) {
          await sleep(500);
          continue;
        }
        for (let faceId of faces) {
          if (Date.now() >= deadline) break;
          // One label in five goes to a face that someone just labelled: concurrent writers.
          if (random() < 0.2 && recentFaces.length > 0) faceId = recentFaces[Math.floor(random() * recentFaces.length)];
          const label = CLASSES[Math.floor(random() * CLASSES.length)];
          const sentAt = Date.now();
          const res = await client.send('POST /api/labels', '/api/labels', { json: { faceId, label } });
          if (res.status !== 200) continue;
          const changed = (res.data.changed as Array<{ faceId: string }>).some((c) => c.faceId === faceId);
          writes.push({ faceId, label, userId: id, sent: sentAt, received: Date.now(), changed });
          recentFaces.push(faceId);
          if (recentFaces.length > 30) recentFaces.shift();
          if (opt.thinkMs) await sleep(opt.thinkMs);
        }
      }
    };

    // The retrain is queued once a quarter of the time has passed (labelled uploads by then),
    // and followed until it ends or --retrain-wait seconds after the load.
    const retrainer = async () => {
      await sleep(Math.min(opt.seconds * 250, 30_000));
      const res = await admin.send('POST /api/training/retrain', '/api/training/retrain', { json: {} });
      if (res.status !== 200) {
        retrain = { status: `not queued (${res.status})`, error: JSON.stringify(res.data) };
        return;
      }
      retrain = { jobId: res.data.jobId, status: 'queued', queuedAfterS: (Date.now() - t0) / 1000 };
      const until = deadline + opt.retrainWait * 1000;
      while (Date.now() < until) {
        await sleep(3000);
        const s = await admin.send('GET /api/training/status', '/api/training/status');
        const job = s.status === 200 ? s.data.job : null;
        if (job?.id === retrain.jobId) {
          retrain.status = job.status;
          retrain.error = job.error;
          if (['succeeded', 'failed', 'cancelled'].includes(job.status)) {
            retrain.finishedAfterS = (Date.now() - t0) / 1000;
            return;
          }
        }
      }
    };

    await Promise.all([...uploaders.map(uploader), ...labellers.map(labeller), retrainer()]);
    const loadSeconds = (deadline - t0) / 1000;
    phase = 'setup';

    await stopServer(child);

    // ---- Verify, from the database and the store directly.
    const db = createDb(`file:${path.join(dataDir, 'masklab.db')}`);
    const lostLines: string[] = [];
    try {
      const ids = [...new Set(accepted.map((a) => a.photoId))];
      const photos = new Map<string, { uploaderId: string; faces: number }>();
      for (let i = 0; i < ids.length; i += 500) {
        const rowsFound = await db.photo.findMany({ where: { id: { in: ids.slice(i, i + 500) } }, select: { id: true, uploaderId: true, _count: { select: { faces: true } } } });
        for (const p of rowsFound) photos.set(p.id, { uploaderId: p.uploaderId ?? '', faces: p._count.faces });
      }
      for (const a of accepted) {
        const p = photos.get(a.photoId);
        if (!p) lostLines.push(`photo ${a.photoId} (${a.file}, ${a.status}) is not in the database`);
        else if (a.status === 'added' && (p.uploaderId !== a.uploader || (a.faces !== undefined && p.faces !== a.faces))) {
          lostLines.push(`photo ${a.photoId} (${a.file}): uploader or face count differ from the answer`);
        }
      }
      const storage = await checkStorage(db, new LocalStore(path.join(dataDir, 'store')));
      for (const k of storage.missing) lostLines.push(`missing file ${k}`);

      // Labels: a face's label is the last write to it; when writes overlapped in time, any of
      // those that no other write certainly followed (sent after it was answered).
      const byFace = new Map<string, LabelWrite[]>();
      for (const w of writes) byFace.set(w.faceId, [...(byFace.get(w.faceId) ?? []), w]);
      const faceIds = [...byFace.keys()];
      const labels = new Map<string, string | null>();
      for (let i = 0; i < faceIds.length; i += 500) {
        for (const f of await db.face.findMany({ where: { id: { in: faceIds.slice(i, i + 500) } }, select: { id: true, label: true } })) labels.set(f.id, f.label);
      }
      let contested = 0;
      for (const [faceId, ws] of byFace) {
        const last = ws.filter((w) => !ws.some((o) => o !== w && o.sent > w.received));
        if (last.length > 1 || new Set(ws.map((w) => w.userId)).size > 1) contested++;
        const got = labels.get(faceId);
        if (!last.some((w) => w.label === got)) lostLines.push(`face ${faceId}: label ${got}, last written ${last.map((w) => w.label).join(' or ')}`);
      }
      // Faces of labelled uploads that no labeller touched keep the upload's label.
      const labelledPhotos = accepted.filter((a) => a.status === 'added' && a.label);
      const uploadLabel = new Map(labelledPhotos.map((a) => [a.photoId, a.label]));
      for (let i = 0; i < labelledPhotos.length; i += 500) {
        const faces = await db.face.findMany({
          where: { photoId: { in: labelledPhotos.slice(i, i + 500).map((a) => a.photoId) } },
          select: { id: true, photoId: true, label: true },
        });
        for (const f of faces) {
          if (!byFace.has(f.id) && f.label !== uploadLabel.get(f.photoId)) lostLines.push(`face ${f.id}: label ${f.label}, uploaded as ${uploadLabel.get(f.photoId)}`);
        }
      }
      // Every change the server reported has its history event.
      const changedWrites = writes.filter((w) => w.changed);
      const events = new Map<string, number>();
      for (let i = 0; i < faceIds.length; i += 500) {
        const grouped = await db.labelEvent.groupBy({
          by: ['faceId', 'userId', 'newLabel'],
          where: { faceId: { in: faceIds.slice(i, i + 500) }, kind: 'label' },
          _count: { _all: true },
        });
        for (const g of grouped) events.set(`${g.faceId} ${g.userId} ${g.newLabel}`, g._count._all);
      }
      const want = new Map<string, number>();
      for (const w of changedWrites) want.set(`${w.faceId} ${w.userId} ${w.label}`, (want.get(`${w.faceId} ${w.userId} ${w.label}`) ?? 0) + 1);
      for (const [k, n] of want) if ((events.get(k) ?? 0) < n) lostLines.push(`history: ${n - (events.get(k) ?? 0)} event(s) missing for ${k}`);

      // ---- The table.
      const load = samples.filter((s) => s.phase === 'load');
      const endpoints = [...new Set(load.map((s) => s.endpoint))].sort();
      for (const e of endpoints) {
        const ss = load.filter((s) => s.endpoint === e);
        const ok = ss.filter((s) => s.status > 0).map((s) => s.ms);
        const c4 = ss.filter((s) => s.status >= 400 && s.status < 500).length;
        const c5 = ss.filter((s) => s.status >= 500).length;
        const net0 = ss.filter((s) => s.status === 0).length;
        rows.push({
          benchmark: `load: ${e} p50 / p95`,
          value: `${Math.round(pctl(ok, 50))} / ${Math.round(pctl(ok, 95))}`,
          unit: 'ms',
          // Issue 24: a label save stays quick while uploads are analysed (model threads: MASKLAB_WORKER_THREADS).
          ...(e === 'POST /api/labels' ? { goal: 'p95 ≤ 100' } : {}),
          note: `${ss.length} requests, 4xx ${c4}, 5xx ${c5}${net0 ? `, no answer ${net0}` : ''}; model threads ${process.env.MASKLAB_WORKER_THREADS ?? 'default (cores)'}${opt.thinkMs ? `; labellers pause ${opt.thinkMs} ms` : ''}`,
        });
      }
      const all4 = load.filter((s) => s.status >= 400 && s.status < 500).length;
      const all5 = samples.filter((s) => s.status >= 500).length;
      const noAnswer = samples.filter((s) => s.status === 0).length;
      const added = accepted.filter((a) => a.status === 'added').length;
      const dups = accepted.length - added;
      rows.push({ benchmark: 'load: requests (all endpoints)', value: load.length, unit: '', note: `${loadSeconds} s, ${(load.length / loadSeconds).toFixed(1)} requests/s; 4xx ${all4}` });
      rows.push({ benchmark: 'load: photos accepted (added + duplicate)', value: accepted.length, unit: 'photos', note: `${added} added, ${dups} duplicate, ${rejected.length} rejected; storage: ${storage.photos} photos, ${storage.missing.length} missing files, ${storage.orphans.length} orphan files` });
      rows.push({ benchmark: 'load: labels accepted', value: writes.length, unit: 'labels', note: `${changedWrites.length} changed a label, ${byFace.size} faces, ${contested} written by more than one labeller` });
      rows.push({
        benchmark: 'load: retrain',
        value: retrain.status ?? 'not started',
        unit: '',
        note: retrain.jobId
          ? `queued at ${retrain.queuedAfterS?.toFixed(0)} s${retrain.finishedAfterS ? `, ended at ${retrain.finishedAfterS.toFixed(0)} s` : ''}${retrain.error ? `: ${retrain.error.slice(0, 120)}` : ''}`
          : (retrain.error ?? ''),
      });
      rows.push({ benchmark: 'load: 5xx answers / no answer', value: `${all5} / ${noAnswer}`, unit: '', goal: '0 / 0' });
      rows.push({ benchmark: 'load: lost (photos, files, labels, history)', value: lostLines.length, unit: '', goal: '0' });
      const retrainOk = retrain.status !== 'failed' && retrain.jobId !== undefined;
      const pass = all5 === 0 && noAnswer === 0 && lostLines.length === 0 && retrainOk;
      failed = !pass;
      rows.push({ benchmark: 'load: result', value: pass ? 'PASS' : 'FAIL', unit: '', goal: 'no 5xx, nothing lost, retrain not failed' });
      for (const l of lostLines.slice(0, 20)) console.error(`load: lost: ${l}`);
      for (const r of rejected.slice(0, 5)) console.error(`load: rejected: ${r}`);
      console.error(`load: lost: ${lostLines.length}; 5xx: ${all5}; ${pass ? 'PASS' : 'FAIL'}`);
    } finally {
      await db.$disconnect();
    }
  } finally {
    await stopServer(child);
    if (opt.keep || failed) console.error(`load: kept ${dataDir} (server log: ${log})`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}
