// `npm run cli -- train --weighting …`: the sample weighting a retrain uses, chosen from the command line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { freshDb, type TestDb } from '../helpers/db';

let t: TestDb;
let tmp: string;

beforeAll(async () => {
  t = await freshDb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-cli-'));
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli({ databaseUrl: t.url, dataDir: path.join(tmp, 'data') }, ...args);

it('queues a retrain with the chosen sample weighting, and refuses an unknown one', async () => {
  const bad = cli('train', '--weighting', 'gender');
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/--weighting must be one of class, class\+gender, class\+gender\+source/);
  expect(await t.db.job.count()).toBe(0);

  const ok = cli('train', '--weighting', 'class', '--json');
  expect(ok.code).toBe(0);
  const { jobId } = JSON.parse(ok.out) as { jobId: string };
  const job = await t.db.job.findUniqueOrThrow({ where: { id: jobId } });
  expect(JSON.parse(job.payload).config).toEqual({ weighting: 'class' });
}, 300_000);

it('queues a retrain on the accurate backbone with --backbone accurate (fast by default), and refuses an unknown one', async () => {
  await t.db.job.deleteMany();
  const bad = cli('train', '--backbone', 'deep');
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/--backbone must be one of fast, accurate/);
  const inherited = cli('train', '--backbone', 'toString'); // a name every object has is not a choice
  expect(inherited.code).toBe(2);
  expect(inherited.err).toMatch(/--backbone must be one of fast, accurate/);
  expect(await t.db.job.count()).toBe(0);

  const fast = cli('train', '--json');
  expect(JSON.parse((await t.db.job.findUniqueOrThrow({ where: { id: (JSON.parse(fast.out) as { jobId: string }).jobId } })).payload).backbone).toBe('faceres');
  await t.db.job.deleteMany();
  const ok = cli('train', '--backbone', 'accurate', '--json');
  expect(ok.code).toBe(0);
  const job = await t.db.job.findUniqueOrThrow({ where: { id: (JSON.parse(ok.out) as { jobId: string }).jobId } });
  expect(JSON.parse(job.payload).backbone).toBe('faceres+deep');
}, 300_000);

it('queues a retrain without training views with --views none, with some with a list, and refuses an unknown view', async () => {
  await t.db.job.deleteMany();
  const bad = cli('train', '--views', 'lowres,sepia');
  expect(bad.code).toBe(2); // a bad value is a usage error
  expect(bad.err).toMatch(/--views must be none, default or a comma-separated list of lowres, blur/);
  expect(await t.db.job.count()).toBe(0);
  const none = cli('train', '--views', 'none', '--json');
  const payloadOf = async (out: string) => JSON.parse((await t.db.job.findUniqueOrThrow({ where: { id: (JSON.parse(out) as { jobId: string }).jobId } })).payload);
  expect((await payloadOf(none.out)).config).toEqual({ views: [] });
  await t.db.job.deleteMany();
  const some = cli('train', '--views', 'lowres,mix1', '--json');
  expect((await payloadOf(some.out)).config).toEqual({ views: ['lowres', 'mix1'] });
}, 300_000);
