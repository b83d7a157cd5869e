// Nothing orphaned outside the photo store: model folders no run owns (a worker killed between
// saving a model and recording its run) and files in the incoming folder no import job reads
// (a zip upload cut short) are reported by `checkStorage` with why, and removed by `fix` (and
// model folders by the worker's sweep) only when nothing can still record or read them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { checkStorage } from '@/lib/housekeeping/storage-check';
import { sweepModelOrphans } from '@/lib/models/orphans';
import { enqueue } from '@/lib/queue/jobs';
import { LocalStore } from '@/lib/storage';

let t: TestDb;
let tmp: string;
let store: LocalStore;

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-orphans-'));
  store = new LocalStore(path.join(tmp, 'store'));
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ELEVEN_MINUTES_AGO = () => new Date(Date.now() - 11 * 60_000);

/** A model folder as saveModel leaves it (the contents do not matter here). */
function modelFolder(modelsDir: string, name: string): string {
  const dir = path.join(modelsDir, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['model.json', 'weights.bin', 'meta.json']) fs.writeFileSync(path.join(dir, f), `${name}/${f}`);
  return dir;
}

/** Sets a folder and its files back 11 minutes: older than what `fix` leaves as maybe in flight. */
function age(p: string) {
  const old = ELEVEN_MINUTES_AGO();
  if (fs.statSync(p).isDirectory()) for (const f of fs.readdirSync(p)) fs.utimesSync(path.join(p, f), old, old);
  fs.utimesSync(p, old, old);
}

/** A job in `status` with a run in `runStatus` for it, as the train job leaves them. */
async function runWithJob(id: string, runStatus: string, job: { status: string; leaseUntil?: Date }) {
  const j = await enqueue(t.db, { type: 'fake-train', payload: {} }); // not 'train': one queued or running train job at most
  await t.db.job.update({ where: { id: j.id }, data: { status: job.status, leaseUntil: job.leaseUntil ?? null, attempts: 1 } });
  await t.db.run.create({ data: { id, backbone: 'b', status: runStatus, jobId: j.id } });
  return j.id;
}

/** Every kind of model folder; returns the paths by what they are. */
async function modelsScene(p: string) {
  const modelsDir = path.join(tmp, `${p}-models`);
  const dirs = {
    recorded: modelFolder(modelsDir, `${p}recorded`),
    legacy: modelFolder(modelsDir, `${p}legacy`), // a succeeded run without modelDir is served from <modelsDir>/<id>
    failedButPointed: modelFolder(modelsDir, `${p}pointed`),
    killed: modelFolder(modelsDir, `${p}killed`),
    recording: modelFolder(modelsDir, `${p}recording`),
    workerGone: modelFolder(modelsDir, `${p}gone`),
    gaveUp: modelFolder(modelsDir, `${p}gaveup`),
    unknownOld: modelFolder(modelsDir, `${p}unknownold`),
    unknownYoung: modelFolder(modelsDir, `${p}unknownyoung`),
    tempOld: modelFolder(modelsDir, `.tmp-${p}x-0badcafe`),
  };
  fs.mkdirSync(path.join(modelsDir, 'not a run'));
  fs.writeFileSync(path.join(modelsDir, 'README.txt'), 'left alone');
  await t.db.run.create({ data: { id: `${p}recorded`, backbone: 'b', status: 'succeeded', modelDir: dirs.recorded } });
  await t.db.run.create({ data: { id: `${p}legacy`, backbone: 'b', status: 'succeeded' } });
  // A run that points to its folder keeps it, whatever its status (relative paths resolve under the models folder).
  await t.db.run.create({ data: { id: `${p}pointed`, backbone: 'b', status: 'failed', modelDir: `${p}pointed` } });
  // Killed after saveModel, retried: the retry marked the run failed, nothing points to the folder.
  await runWithJob(`${p}killed`, 'failed', { status: 'succeeded' });
  // Saved a moment ago by a worker that still holds its lease: being recorded right now.
  await runWithJob(`${p}recording`, 'running', { status: 'running', leaseUntil: new Date(Date.now() + 60_000) });
  // Its worker died after saving; the job is not retried yet (the retry marks the run failed).
  await runWithJob(`${p}gone`, 'running', { status: 'running', leaseUntil: new Date(Date.now() - 1000) });
  // Its worker died and the job ran out of attempts: the run stays running, nothing will record it.
  const gaveUpJob = await runWithJob(`${p}gaveup`, 'running', { status: 'failed' });
  // Every folder is old (the database, not the age, decides about those it knows), but one unknown.
  for (const d of Object.values(dirs)) if (d !== dirs.unknownYoung) age(d);
  return { modelsDir, dirs, gaveUpJob };
}

describe('model folders no run owns', () => {
  it('are reported with why by checkStorage, and fix removes only those nothing can still record', async () => {
    const { modelsDir, dirs, gaveUpJob } = await modelsScene('c');
    const report = await checkStorage(t.db, store, { modelsDir });
    const byPath = new Map(report.models.map((m) => [m.path, m]));
    expect([...byPath.keys()].sort()).toEqual([dirs.killed, dirs.workerGone, dirs.gaveUp, dirs.unknownOld, dirs.unknownYoung, dirs.tempOld].sort());
    expect(byPath.get(dirs.killed)).toMatchObject({ run: 'ckilled', state: 'dead', bytes: 'ckilled/model.jsonckilled/weights.binckilled/meta.json'.length, removed: false });
    expect(byPath.get(dirs.killed)!.why).toMatch(/run ckilled failed before its model was recorded.*no run points to this folder/);
    expect(byPath.get(dirs.workerGone)!.state).toBe('pending');
    expect(byPath.get(dirs.workerGone)!.why).toMatch(/its worker stopped after saving the model.*lease ran out/);
    expect(byPath.get(dirs.gaveUp)!.state).toBe('dead');
    expect(byPath.get(dirs.gaveUp)!.why).toContain(`its job ${gaveUpJob} failed`);
    expect(byPath.get(dirs.unknownOld)).toMatchObject({ run: 'cunknownold', state: 'unknown' });
    expect(byPath.get(dirs.unknownOld)!.why).toMatch(/no run cunknownold in this database/);
    expect(byPath.get(dirs.tempOld)).toMatchObject({ run: null, state: 'unknown' });
    expect(byPath.get(dirs.killed)!.modified.getTime()).toBeLessThan(Date.now() - 10 * 60_000);
    // Reporting removes nothing.
    for (const d of Object.values(dirs)) expect(fs.existsSync(d)).toBe(true);

    const fixed = await checkStorage(t.db, store, { modelsDir, fix: true });
    expect(fixed.removed).toBe(4);
    expect(fixed.models.filter((m) => m.removed).map((m) => m.path).sort()).toEqual([dirs.killed, dirs.gaveUp, dirs.unknownOld, dirs.tempOld].sort());
    expect(fs.readdirSync(modelsDir).sort()).toEqual(
      ['README.txt', 'not a run', 'cgone', 'clegacy', 'cpointed', 'crecorded', 'crecording', 'cunknownyoung'].sort(),
    );
    // The kept ones are still reported, and nothing else.
    const after = await checkStorage(t.db, store, { modelsDir });
    expect(after.models.map((m) => m.path).sort()).toEqual([dirs.workerGone, dirs.unknownYoung].sort());

    // Once the retry marks the run failed, the folder can go.
    await t.db.run.update({ where: { id: 'cgone' }, data: { status: 'failed', jobId: null } });
    const again = await checkStorage(t.db, store, { modelsDir, fix: true });
    expect(again.models.filter((m) => m.removed).map((m) => m.path)).toEqual([dirs.workerGone]);
    expect(fs.existsSync(dirs.workerGone)).toBe(false);
  });

  it('are swept by the worker when their run failed or their job ended, never when unknown', async () => {
    const { modelsDir, dirs } = await modelsScene('s');
    const gone = await sweepModelOrphans(t.db, modelsDir);
    expect(gone.map((o) => o.path).sort()).toEqual([dirs.killed, dirs.gaveUp].sort());
    expect(fs.readdirSync(modelsDir).sort()).toEqual(
      ['README.txt', 'not a run', '.tmp-sx-0badcafe', 'sgone', 'slegacy', 'spointed', 'srecorded', 'srecording', 'sunknownold', 'sunknownyoung'].sort(),
    );
  });
});

describe('files in the incoming folder', () => {
  it('that no live import job reads are reported with why, and fix removes the old ones', async () => {
    const dir = path.join(tmp, 'incoming');
    fs.mkdirSync(dir, { recursive: true });
    const file = (n: string, old: boolean) => {
      const p = path.join(dir, n);
      fs.writeFileSync(p, `partial ${n}`);
      if (old) age(p);
      return p;
    };
    const live = file('live.zip', true);
    const cut = file('cut.zip', true);
    const arriving = file('arriving.zip', false);
    const ended = file('ended.zip', true);
    const part = file('upload.part', true);
    fs.mkdirSync(path.join(dir, 'a-folder'));
    await enqueue(t.db, { type: 'import', payload: { file: live } });
    const endedJob = await enqueue(t.db, { type: 'import', payload: { file: ended } });
    await t.db.job.update({ where: { id: endedJob.id }, data: { status: 'failed' } });

    const report = await checkStorage(t.db, store, { incomingDir: dir });
    const byPath = new Map(report.incoming.map((f) => [f.path, f]));
    expect([...byPath.keys()].sort()).toEqual([cut, arriving, ended, part].sort());
    expect(byPath.get(cut)).toMatchObject({ bytes: 'partial cut.zip'.length, removed: false });
    expect(byPath.get(cut)!.why).toMatch(/no import job refers to it: an upload cut short/);
    expect(byPath.get(ended)!.why).toBe(`its import job ${endedJob.id} failed without removing it`);
    expect(byPath.get(part)!.why).toMatch(/not an upload archive/);

    const fixed = await checkStorage(t.db, store, { incomingDir: dir, fix: true });
    expect(fixed.removed).toBe(3);
    expect(fs.readdirSync(dir).sort()).toEqual(['a-folder', 'arriving.zip', 'live.zip']);
    expect((await checkStorage(t.db, store, { incomingDir: dir })).incoming.map((f) => f.path)).toEqual([arriving]);
  });
});
