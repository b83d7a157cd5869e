import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { describe, expect, it } from 'vitest';
import { ZipWriter } from '@/lib/dataset/zip-writer';

function readZip(file: string): Promise<Record<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: Record<string, Buffer> = {};
      zip.on('entry', (e: yauzl.Entry) =>
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2);
          const parts: Buffer[] = [];
          s.on('data', (d: Buffer) => parts.push(d));
          s.on('end', () => {
            out[e.fileName] = Buffer.concat(parts);
            zip.readEntry();
          });
        }),
      );
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('ZipWriter', () => {
  it('writes stored and deflated entries that a standard reader verifies (CRC included)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-zip-'));
    try {
      const file = path.join(dir, 'x.zip');
      const big = Buffer.from('mask_old,'.repeat(10_000));
      const z = new ZipWriter(file);
      z.add('train/mask_old/a.jpg', Buffer.from([0xff, 0xd8, 1, 2, 3]), { store: true });
      z.add('manifest.csv', big);
      z.add('model/ünïcode.json', '{"a":1}');
      expect(() => z.add('manifest.csv', 'again')).toThrow(/duplicate/);
      z.close();
      expect(fs.statSync(file).size).toBeLessThan(big.length / 10); // deflated
      const entries = await readZip(file);
      expect(Object.keys(entries).sort()).toEqual(['manifest.csv', 'model/ünïcode.json', 'train/mask_old/a.jpg']);
      expect(entries['manifest.csv'].equals(big)).toBe(true);
      expect([...entries['train/mask_old/a.jpg']]).toEqual([0xff, 0xd8, 1, 2, 3]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
