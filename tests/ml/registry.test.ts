import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testTf } from '../helpers/tf';
import { headProbs } from '@/lib/inference/classify';
import { testMeta } from '../helpers/models';
import { loadModel, saveModel, sweepTemp } from '@/lib/models/registry';
import { buildHead, DEFAULT_HEAD } from '@/lib/training/head';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-models-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const meta = (runId: string) => testMeta(runId, 8);

describe('model registry files', () => {
  it('writes model.json, weights.bin and meta.json, and loads the same model back', async () => {
    const tf = await testTf();
    const model = buildHead(tf, 8, { ...DEFAULT_HEAD, hidden: 4 }, 5);
    const out = await saveModel(tf, dir, 'run_ok', model, meta('run_ok'));
    expect(fs.readdirSync(out).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);
    const { model: back, meta: m } = await loadModel(tf, out);
    expect(m.runId).toBe('run_ok');
    const x = [Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0]), Float32Array.from([0, 0, 0.5, 0, 0, 0.5, 0, 0])];
    expect(await headProbs(tf, back, x, 8, 4)).toEqual(await headProbs(tf, model, x, 8, 4));
    await expect(saveModel(tf, dir, 'run_ok', model, meta('run_ok'))).rejects.toThrow(/already exists/);
  });

  it('leaves nothing behind when the write fails half-way', async () => {
    const tf = await testTf();
    const model = buildHead(tf, 8, { ...DEFAULT_HEAD, hidden: 4 }, 5);
    const crash = (file: string) => {
      if (file === 'model.json') throw new Error('disk full');
    };
    await expect(saveModel(tf, dir, 'run_crash', model, meta('run_crash'), crash)).rejects.toThrow(/disk full/);
    expect(fs.existsSync(path.join(dir, 'run_crash'))).toBe(false);
    expect(fs.readdirSync(dir).filter((e) => e.includes('run_crash'))).toEqual([]);
  });

  it('sweeps the temporary folder of a process killed mid-write, but not one another worker is writing', () => {
    const stale = path.join(dir, '.tmp-run_killed-abcd1234');
    fs.mkdirSync(stale);
    fs.writeFileSync(path.join(stale, 'weights.bin'), 'partial');
    const lease = 30_000;
    // Written just now: as far as anyone can tell, a live worker is saving it.
    expect(sweepTemp(dir, lease)).toEqual([]);
    expect(fs.existsSync(stale)).toBe(true);
    const old = new Date(Date.now() - 2 * lease);
    fs.utimesSync(path.join(stale, 'weights.bin'), old, old);
    fs.utimesSync(stale, old, old);
    expect(sweepTemp(dir, lease)).toEqual(['.tmp-run_killed-abcd1234']);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'run_ok', 'model.json'))).toBe(true);
  });
});
