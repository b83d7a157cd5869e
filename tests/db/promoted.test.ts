import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';
import { promotedModel, runModelFile } from '@/lib/models/promoted';

let t: TestDb;
let modelsDir: string;
beforeAll(async () => {
  t = await freshDb();
  modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-models-'));
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(modelsDir, { recursive: true, force: true });
});

const meta = (useAge: boolean) => ({
  classes: ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'],
  backbone: 'faceres-test',
  preprocessing: { l2: true, useAge, dim: useAge ? 1025 : 1024 },
});

function writeModel(runId: string, m: object) {
  const dir = path.join(modelsDir, runId);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(m));
  fs.writeFileSync(path.join(dir, 'model.json'), '{}');
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(8));
}

describe('the promoted model', () => {
  it('is null until a run is promoted', async () => {
    await t.db.run.create({ data: { id: 'notpromoted', backbone: 'faceres-test', status: 'succeeded' } });
    writeModel('notpromoted', meta(false));
    expect(await promotedModel(t.db, modelsDir)).toBeNull();
  });

  it('is the promoted run, with its meta (mirrorTta defaults to false) and its folder', async () => {
    writeModel('runA', meta(true));
    await t.db.run.create({ data: { id: 'runA', backbone: 'faceres-test', status: 'succeeded', promoted: true, promotedAt: new Date() } });
    const m = await promotedModel(t.db, modelsDir);
    expect(m?.runId).toBe('runA');
    expect(m?.dir).toBe(path.join(modelsDir, 'runA'));
    expect(m?.meta.preprocessing).toEqual({ l2: true, useAge: true, dim: 1025, mirrorTta: false });
    expect(m?.meta.classes).toHaveLength(4);
  });

  it('uses the folder the run recorded', async () => {
    const elsewhere = path.join(modelsDir, 'moved');
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(elsewhere, 'meta.json'), JSON.stringify(meta(false)));
    await t.db.run.update({ where: { id: 'runA' }, data: { modelDir: elsewhere } });
    expect((await promotedModel(t.db, modelsDir))?.dir).toBe(elsewhere);
    await t.db.run.update({ where: { id: 'runA' }, data: { modelDir: null } });
  });

  it('says which file is broken when meta.json is missing or incomplete', async () => {
    writeModel('runB', { classes: ['a'] });
    await t.db.run.update({ where: { id: 'runA' }, data: { promoted: false } });
    await t.db.run.create({ data: { id: 'runB', backbone: 'faceres-test', status: 'succeeded', promoted: true, promotedAt: new Date() } });
    await expect(promotedModel(t.db, modelsDir)).rejects.toThrow(/runB.*meta\.json lacks classes or preprocessing/);
  });

  it('serves only the three model files of an existing run', async () => {
    expect(await runModelFile(t.db, modelsDir, 'runA', 'weights.bin')).toBe(path.join(modelsDir, 'runA', 'weights.bin'));
    expect(await runModelFile(t.db, modelsDir, 'runA', 'meta.json')).toBe(path.join(modelsDir, 'runA', 'meta.json'));
    expect(await runModelFile(t.db, modelsDir, 'runA', '../runB/meta.json')).toBeNull();
    expect(await runModelFile(t.db, modelsDir, 'runA', 'other.txt')).toBeNull();
    expect(await runModelFile(t.db, modelsDir, '..', 'meta.json')).toBeNull();
    expect(await runModelFile(t.db, modelsDir, 'nosuchrun', 'meta.json')).toBeNull();
  });
});
