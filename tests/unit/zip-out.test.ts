import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZipOut } from '@/lib/export/zip-out';
import { readZipFile, zipEntryNames } from '../helpers/read-zip';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-zip-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('ZipOut (yazl, streamed through a temporary file)', () => {
  it('writes stored and deflated entries that a standard reader verifies, and only renames a complete archive', async () => {
    const file = path.join(dir, 'x.zip');
    const big = Buffer.from('mask_old,'.repeat(10_000));
    const z = new ZipOut(file);
    await z.add('train/mask_old/a.jpg', Buffer.from([0xff, 0xd8, 1, 2, 3]), { compress: false });
    await z.add('manifest.csv', big);
    await z.add('model/ünïcode.json', '{"a":1}');
    await expect(z.add('manifest.csv', 'again')).rejects.toThrow(/duplicate/);
    expect(fs.existsSync(file)).toBe(false); // nothing under the final name while writing
    await z.finish();
    expect(fs.readdirSync(dir)).toEqual(['x.zip']); // the temporary file was renamed
    expect(fs.statSync(file).size).toBeLessThan(big.length / 10); // deflated
    const entries = await readZipFile(file);
    expect([...entries.keys()].sort()).toEqual(['manifest.csv', 'model/ünïcode.json', 'train/mask_old/a.jpg']);
    expect(entries.get('manifest.csv')!.equals(big)).toBe(true);
    expect([...entries.get('train/mask_old/a.jpg')!]).toEqual([0xff, 0xd8, 1, 2, 3]);
  });

  it('leaves nothing behind when aborted', async () => {
    const file = path.join(dir, 'x.zip');
    const z = new ZipOut(file);
    await z.add('a.txt', 'hello');
    await z.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('writes more than 65,535 entries (ZIP64, chosen by yazl itself), every one in order, each readable', async () => {
    // Before ZipOut shelved yazl's written entries, 70,000 took about 80 s (yazl rescans its list per entry).
    const file = path.join(dir, 'many.zip');
    const z = new ZipOut(file);
    const n = 66_000;
    for (let i = 0; i < n; i++) await z.add(`train/c/${i}.txt`, String(i), { compress: false });
    await z.finish();
    const { names, entryCount } = await zipEntryNames(file);
    expect(entryCount).toBe(n);
    expect(names.every((name, i) => name === `train/c/${i}.txt`)).toBe(true);
    const some = await readZipFile(file, { names: (name) => /\/(0|32767|65535|65999)\.txt$/.test(name) }); // the others read as empty
    expect([...some.entries()].filter(([, data]) => data.length > 0).map(([name, data]) => [name, data.toString()])).toEqual([
      ['train/c/0.txt', '0'],
      ['train/c/32767.txt', '32767'],
      ['train/c/65535.txt', '65535'],
      ['train/c/65999.txt', '65999'],
    ]);
  }, 120_000);

  // The same ZIP64 records on a small archive, forced.
  it('writes ZIP64 records that a standard reader reads back', async () => {
    const file = path.join(dir, 'z64.zip');
    const z = new ZipOut(file, { forceZip64: true });
    for (let i = 0; i < 300; i++) await z.add(`train/c/${i}.txt`, String(i), { compress: i % 2 === 0 });
    await z.finish();
    const bytes = fs.readFileSync(file);
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // ZIP64 end of central directory record
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07]))).toBe(true); // and its locator
    const { names, entryCount } = await zipEntryNames(file);
    expect(entryCount).toBe(300);
    expect(names[299]).toBe('train/c/299.txt');
    const all = await readZipFile(file);
    expect([...all.entries()].every(([name, data]) => name === `train/c/${data.toString()}.txt`)).toBe(true);
  });
});
