import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, sniff } from '@/lib/images';
import { faceKey, LocalStore, originalKey, photoKeys, shaOfKey } from '@/lib/storage';
import { hamming, hexBands } from '@/lib/dataset/group';
import { labelFromPath } from '@/lib/import/folder';
import { parseLabel } from '@/lib/classes';

const limits = { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 };
const ftyp = (major: string, ...compat: string[]) => {
  const brands = [major, '\0\0\0\0', ...compat].join('');
  const box = Buffer.alloc(8 + brands.length);
  box.writeUInt32BE(box.length, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(brands, 8, 'latin1');
  return Buffer.concat([box, Buffer.alloc(64, 7)]);
};

describe('recognising files by content', () => {
  it('names each format from its first bytes, not its name', async () => {
    const px = sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } });
    expect(sniff(await px.clone().jpeg().toBuffer())).toEqual({ kind: 'image', format: 'jpeg' });
    expect(sniff(await px.clone().png().toBuffer())).toEqual({ kind: 'image', format: 'png' });
    expect(sniff(await px.clone().webp().toBuffer())).toEqual({ kind: 'image', format: 'webp' });
    expect(sniff(await px.clone().avif().toBuffer())).toEqual({ kind: 'image', format: 'avif' });
    expect(sniff(ftyp('heic', 'mif1', 'heic'))).toEqual({ kind: 'image', format: 'heic' });
    expect(sniff(ftyp('mif1', 'mif1', 'avif'))).toEqual({ kind: 'image', format: 'avif' });
    expect(sniff(ftyp('isom', 'isom', 'mp41'))).toEqual({ kind: 'unsupported', name: 'video (MP4/MOV)' });
    expect(sniff(await px.clone().gif().toBuffer())).toEqual({ kind: 'unsupported', name: 'GIF' });
    expect(sniff(await px.clone().tiff().toBuffer())).toEqual({ kind: 'unsupported', name: 'TIFF' });
    expect(sniff(Buffer.from('PK\x03\x04rest', 'latin1'))).toEqual({ kind: 'zip' });
    expect(sniff(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toEqual({ kind: 'unknown', hint: 'SVG is not supported' });
  });

  it('hands HEIC to the HEIC decoder and explains a damaged one', async () => {
    await expect(decodeImage(ftyp('heic', 'mif1', 'heic'), limits)).rejects.toThrow(/HEIC file is damaged|HEIC file holds no image/);
  });

  it('refuses a zip given as an image', async () => {
    await expect(decodeImage(Buffer.from('PK\x03\x04' + 'x'.repeat(40), 'latin1'), limits)).rejects.toThrow('this is a zip archive, not an image');
  });
});

describe('storage layout', () => {
  const sha = 'ab'.repeat(32);
  it('content-addresses originals and keeps derived files under the same sha', () => {
    expect(originalKey(sha)).toBe(`objects/ab/${sha}`);
    expect(faceKey(sha, 2)).toBe(`derived/ab/${sha}/face-2.jpg`);
    expect(photoKeys(sha, 2)).toHaveLength(5);
    expect(photoKeys(sha, 2).every((k) => shaOfKey(k) === sha)).toBe(true);
    expect(() => originalKey('../../etc/passwd')).toThrow(/sha256/);
  });

  it('writes atomically and refuses keys that leave the store', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masklab-store-'));
    const s = new LocalStore(dir);
    await s.put('a/b.jpg', Buffer.from('one'));
    await s.put('a/b.jpg', Buffer.from('two'));
    expect((await s.get('a/b.jpg'))?.toString()).toBe('two');
    expect(fs.readdirSync(path.join(dir, 'a'))).toEqual(['b.jpg']); // no temp files left
    await expect(s.put('../x', Buffer.from('x'))).rejects.toThrow(/invalid storage key/);
    await expect(s.get('/etc/passwd')).rejects.toThrow(/invalid storage key/);
    await s.delete('a/b.jpg');
    expect(await s.get('a/b.jpg')).toBeNull();
    expect(fs.existsSync(path.join(dir, 'a'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('near-duplicate hashing and labels from folders', () => {
  it('counts differing bits and splits the hash into bands for the database lookup', () => {
    expect(hamming('0000000000000000', '0000000000000000')).toBe(0);
    expect(hamming('ffffffffffffffff', '0000000000000000')).toBe(64);
    expect(hamming('8000000000000001', '0000000000000000')).toBe(2);
    expect(hexBands(8)).toEqual(Array.from({ length: 8 }, (_, i) => [1 + 2 * i, 2]));
    expect(hexBands(11).reduce((s, [, l]) => s + l, 0)).toBe(16);
  });

  it('takes the label from the folder a file sits in, ignoring case and split folders', () => {
    expect(labelFromPath('train/Mask_Old/a.jpg')).toBe('mask_old');
    expect(labelFromPath('ds/val/NOMASK-YOUNG/b.png')).toBe('nomask_young');
    expect(labelFromPath('mask_old/sub/c.jpg')).toBeNull();
    expect(labelFromPath('c.jpg')).toBeNull();
    expect(parseLabel(' Excluded ')).toBe('excluded');
    expect(parseLabel('with_mask')).toBeNull();
  });
});

describe('collect configuration', () => {
  it('has zip and near-duplicate limits with defaults, overridable from the environment', async () => {
    const { parseConfig } = await import('@/lib/config');
    const d = parseConfig({}, '/srv');
    expect(d).toMatchObject({ maxZipBytes: 4096 * 1024 * 1024, maxZipRatio: 100, maxZipEntries: 20_000, duplicateFaceDistance: 10 });
    const c = parseConfig({ MASKLAB_MAX_ZIP_MB: '10', MASKLAB_MAX_ZIP_RATIO: '50', MASKLAB_MAX_ZIP_ENTRIES: '5', MASKLAB_DUPLICATE_FACE_DISTANCE: '0' }, '/srv');
    expect(c).toMatchObject({ maxZipBytes: 10 * 1024 * 1024, maxZipRatio: 50, maxZipEntries: 5, duplicateFaceDistance: 0 });
    expect(() => parseConfig({ MASKLAB_DUPLICATE_FACE_DISTANCE: '40' }, '/srv')).toThrow(/MASKLAB_DUPLICATE_FACE_DISTANCE/);
  });
});

describe('upload requests from the Collect page', () => {
  it('sends at most 5 files or 8 MB a request, and a larger photo alone', async () => {
    const { chunk } = await import('@/app/(app)/collect/transfer');
    const MB = 1024 * 1024;
    const f = (name: string, mb: number) => ({ name, size: mb * MB });
    const groups = chunk([f('a', 1), f('b', 2), f('big', 18.8), f('c', 1), f('d', 3), f('e', 3), f('g', 3), f('h', 0.1)]);
    expect(groups.map((g) => g.map((x) => x.name))).toEqual([['a', 'b'], ['big'], ['c', 'd', 'e'], ['g', 'h']]);
    expect(chunk(Array.from({ length: 12 }, (_, i) => f(`s${i}`, 0.1))).map((g) => g.length)).toEqual([5, 5, 2]);
  });
});
