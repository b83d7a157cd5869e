// SQLite with two processes (the web app and the worker): a transaction that reads first and
// writes later must wait for the other writer, not fail. With a deferred BEGIN, another
// process's commit between the read and the write made the write fail at once with
// SQLITE_BUSY_SNAPSHOT (busy_timeout does not apply): POST /api/labels answered 500 under
// `npm run bench -- load` while a retrain was writing its progress.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(async () => {
  await t.cleanup();
});

/** Another connection (a thread standing for the worker process), ready to write a row when told. */
async function otherWriter(file: string): Promise<{ write: () => Promise<void> }> {
  const src = `
    const { workerData, parentPort } = require('node:worker_threads');
    const Database = require(workerData.module);
    const db = new Database(workerData.file, { timeout: 10000 });
    parentPort.on('message', () => {
      db.prepare("INSERT INTO \\"User\\" (id, email, role, \\"passwordHash\\", disabled, \\"createdAt\\", \\"updatedAt\\") VALUES ('other', 'other@example.com', 'viewer', 'x', 0, 0, 0)").run();
      db.close();
      parentPort.postMessage('done');
    });
    parentPort.postMessage('ready');
  `;
  const w = new Worker(src, { eval: true, workerData: { file, module: require.resolve('better-sqlite3') } });
  const next = () =>
    new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    });
  await next(); // ready
  return {
    write: () => {
      const done = next();
      w.postMessage('go');
      return done.finally(() => w.terminate());
    },
  };
}

describe.skipIf(!!process.env.TEST_DATABASE_URL)('SQLite transactions across processes', () => {
  it('a read-then-write transaction waits for another writer instead of failing', async () => {
    const file = t.url.replace(/^file:/, '');
    await t.db.user.create({ data: { id: 'mine', email: 'mine@example.com', role: 'viewer', passwordHash: 'x' } });
    const other = await otherWriter(file);
    let written: Promise<void> | undefined;
    await t.db.$transaction(async (tx) => {
      await tx.user.findMany(); // the read that opens the snapshot
      // The other process writes: it commits at once (deferred BEGIN), or waits for this
      // transaction to end (BEGIN IMMEDIATE). Either way, give it a second.
      written = other.write();
      await Promise.race([written, new Promise((r) => setTimeout(r, 1000))]);
      await tx.user.update({ where: { id: 'mine' }, data: { name: 'written after the read' } });
    });
    await written;
    expect((await t.db.user.findUnique({ where: { id: 'mine' } }))?.name).toBe('written after the read');
    expect(await t.db.user.count()).toBe(2);
  });
});
