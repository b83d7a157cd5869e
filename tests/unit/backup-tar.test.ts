// The backup archive is a plain tar: what masklab writes, standard tools read (so a backup
// can be inspected or unpacked by hand), and names that could escape a folder are refused.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { extractEntry, listTar, safeEntryName, TarWriter } from '@/lib/backup/tar';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-tar-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const longName = `models/${'r'.repeat(60)}/derived/ab/${'ab'.repeat(32)}/face-123.jpg`; // over 100 bytes: ustar prefix field

it('writes entries that listTar and GNU tar read back byte for byte, long names included', async () => {
  const file = path.join(dir, 'a.tar');
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7); // several chunks, not a multiple of 512
  fs.writeFileSync(path.join(dir, 'big.bin'), big);
  const w = await TarWriter.create(file);
  await w.addBuffer('manifest.json', '{"a":1}');
  expect(await w.addFile('models/run1/weights.bin', path.join(dir, 'big.bin'))).toBe(true);
  expect(await w.addFile('models/run1/gone.bin', path.join(dir, 'no-such-file'))).toBe(false);
  await w.addBuffer(`${longName}`, 'crop');
  await expect(w.addBuffer('manifest.json', 'again')).rejects.toThrow(/duplicate/);
  await w.finish();
  expect(fs.statSync(file).size % 512).toBe(0);

  const entries = await listTar(file);
  expect(entries.map((e) => [e.name, e.size])).toEqual([
    ['manifest.json', 7],
    ['models/run1/weights.bin', big.length],
    [`${longName}`, 4],
  ]);
  const fh = await fs.promises.open(file, 'r');
  await extractEntry(fh, entries[1], path.join(dir, 'out.bin'));
  await fh.close();
  expect(fs.readFileSync(path.join(dir, 'out.bin')).equals(big)).toBe(true);

  const tar = spawnSync('tar', ['-tf', file], { encoding: 'utf8' });
  if (tar.error) return; // no tar binary here
  expect(tar.stdout.trim().split('\n')).toEqual(entries.map((e) => e.name));
  const x = spawnSync('tar', ['-xOf', file, 'manifest.json'], { encoding: 'utf8' });
  expect(x.stdout).toBe('{"a":1}');
});

it('refuses what is not a tar archive', async () => {
  fs.writeFileSync(path.join(dir, 'junk.tar'), Buffer.alloc(2048, 'x'));
  await expect(listTar(path.join(dir, 'junk.tar'))).rejects.toThrow(/not a tar archive/);
});

it('accepts only relative names that stay inside their folder', () => {
  for (const ok of ['manifest.json', 'store/objects/ab/abc', 'models/run/meta.json', 'models/run/']) expect(safeEntryName(ok)).toBe(true);
  for (const bad of ['../x', 'store/../../x', '/etc/passwd', 'a//b', './a', 'a\\..\\b', 'C:/x', '', 'a/./b']) expect(safeEntryName(bad)).toBe(false);
});
