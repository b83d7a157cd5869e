// Reading zip archives safely: nothing is ever written to disk under an entry's name, entries
// with unsafe paths are refused one by one, and zip bombs are refused from the central directory
// (total size, per-entry ratio and size, entry count) before anything is decompressed; the
// decompressed byte count is enforced again while streaming.
import yauzl from 'yauzl';
import type { Readable } from 'node:stream';

export type ZipLimits = { maxEntryBytes: number; maxTotalBytes: number; maxRatio: number; maxEntries: number };

export type ZipEntryResult = { name: string; data: Buffer } | { name: string; error: string };

export class ZipRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipRefused';
  }
}

const fmt = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GB` : `${(n / 1024 ** 2).toFixed(1)} MB`);

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (err, zf) =>
      err || !zf ? reject(new ZipRefused(`not a readable zip archive (${err?.message ?? 'unknown error'})`)) : resolve(zf),
    ),
  );
}

function readEntries(zf: yauzl.ZipFile, maxEntries: number): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    zf.on('entry', (e: yauzl.Entry) => {
      out.push(e);
      if (out.length > maxEntries) {
        reject(new ZipRefused(`the zip holds more than ${maxEntries} entries`));
        return;
      }
      zf.readEntry();
    });
    zf.once('end', () => resolve(out));
    zf.once('error', (err: Error) => reject(new ZipRefused(`damaged zip archive (${err.message})`)));
    zf.readEntry();
  });
}

function entryName(e: yauzl.Entry): string {
  const raw = e.fileName as unknown as Buffer;
  return yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, raw, e.extraFields, false);
}

function readEntry(zf: yauzl.ZipFile, e: yauzl.Entry, cap: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zf.openReadStream(e, (err, stream?: Readable) => {
      if (err || !stream) return reject(err ?? new Error('cannot read entry'));
      const chunks: Buffer[] = [];
      let n = 0;
      stream.on('data', (c: Buffer) => {
        n += c.length;
        if (n > cap) {
          stream.destroy(new Error(`unpacks to more than ${fmt(cap)}`));
          return;
        }
        chunks.push(c);
      });
      stream.once('error', reject);
      stream.once('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Whether an entry is OS clutter nobody means to import (macOS resource forks, dot files). */
export function isJunkPath(p: string): boolean {
  return p.split('/').some((seg) => seg === '__MACOSX' || (seg.startsWith('.') && seg !== '.' && seg !== '..') || seg === 'Thumbs.db' || seg === 'desktop.ini');
}

export type ReadZipOptions = {
  /** Told how many results the archive will yield (after the central directory was read). */
  onTotal?: (total: number) => void | Promise<void>;
  /** Skips the first `skip` results without unpacking them (a retried import resumes). */
  skip?: number;
  /** Stops before result number `end` (from 0): with `skip`, one chunk of the archive's results. */
  end?: number;
  /** Only the entries whose name passes (before counting and skipping). */
  only?: (name: string) => boolean;
  /** Leaves out the entries whose name passes (before counting and skipping). */
  except?: (name: string) => boolean;
};

/**
 * How many results `readZip` will yield for the zip at `file` (its file entries less OS clutter), from its
 * central directory alone. Throws ZipRefused when the archive as a whole is refused.
 */
export async function countZipResults(file: string, limits: ZipLimits): Promise<number> {
  let total = 0;
  // Stopping the generator at its first result closes the archive (its `finally`).
  for await (const _ of readZip(file, limits, { onTotal: (n) => void (total = n), end: 0 })) break;
  return total;
}

/**
 * Yields every file entry of the zip at `file`, either with its bytes or with the reason it was
 * refused. Throws ZipRefused when the archive as a whole is refused (unreadable, bomb).
 */
export async function* readZip(file: string, limits: ZipLimits, opts: ReadZipOptions = {}): AsyncGenerator<ZipEntryResult> {
  const zf = await openZip(file);
  try {
    const entries = await readEntries(zf, limits.maxEntries);
    const total = entries.reduce((s, e) => s + e.uncompressedSize, 0);
    if (total > limits.maxTotalBytes) {
      throw new ZipRefused(`the zip would unpack to ${fmt(total)}, over the ${fmt(limits.maxTotalBytes)} limit (zip bomb?)`);
    }
    // What will yield a result: files, less OS clutter (an unsafe path is reported even when it looks like clutter).
    const files = entries
      .map((e) => ({ e, name: entryName(e) }))
      .filter(({ name }) => !name.endsWith('/') && (!isJunkPath(name) || unsafeReason(name) !== null))
      .filter(({ name }) => (!opts.only || opts.only(name)) && !opts.except?.(name));
    await opts.onTotal?.(files.length);
    let unpacked = 0;
    for (const [i, { e, name }] of files.entries()) {
      if (opts.end !== undefined && i >= opts.end) break;
      if (i < (opts.skip ?? 0)) {
        unpacked += e.uncompressedSize;
        continue;
      }
      const unsafe = unsafeReason(name);
      if (unsafe) {
        yield { name, error: `unsafe path in zip (${unsafe}); entry skipped` };
        continue;
      }
      if (e.isEncrypted()) {
        yield { name, error: 'encrypted zip entry; not supported' };
        continue;
      }
      if (/\.zip$/i.test(name)) {
        yield { name, error: 'nested zip archive: unpack it and import its contents instead' };
        continue;
      }
      if (e.uncompressedSize > limits.maxEntryBytes) {
        yield { name, error: `file is ${fmt(e.uncompressedSize)}, over the ${fmt(limits.maxEntryBytes)} limit` };
        continue;
      }
      const ratio = e.compressedSize > 0 ? e.uncompressedSize / e.compressedSize : e.uncompressedSize > 0 ? Infinity : 1;
      if (ratio > limits.maxRatio) {
        yield { name, error: `compression ratio ${Number.isFinite(ratio) ? Math.round(ratio) : '∞'}:1 is over the ${limits.maxRatio}:1 limit (zip bomb?)` };
        continue;
      }
      let data: Buffer;
      try {
        data = await readEntry(zf, e, Math.min(limits.maxEntryBytes, limits.maxTotalBytes - unpacked));
      } catch (err) {
        yield { name, error: `cannot unpack: ${(err as Error).message}` };
        continue;
      }
      unpacked += data.length;
      if (data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b && (data[2] === 3 || data[2] === 5)) {
        yield { name, error: 'nested zip archive: unpack it and import its contents instead' };
        continue;
      }
      yield { name, data };
    }
  } finally {
    zf.close();
  }
}

function unsafeReason(name: string): string | null {
  const unsafe = yauzl.validateFileName(name.replace(/\\/g, '/'));
  if (unsafe) return unsafe;
  return name.includes('\\') ? 'backslash in path' : null;
}
