// A small POSIX tar (ustar) writer and reader for backups: entries are streamed from open
// files in 1 MiB chunks (never whole in memory), and the result is a plain `.tar` that GNU tar
// and bsdtar read, so an archive can also be inspected or unpacked by hand. Sizes of 8 GiB
// and more use the base-256 size field that both understand.
import fs from 'node:fs';

const BLOCK = 512;
const CHUNK = 1024 * 1024;
const MAX_OCTAL_SIZE = 8 ** 11 - 1;

export type TarEntry = { name: string; size: number; type: 'file' | 'dir' | 'other'; offset: number; mtime: Date };

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** Splits a name into ustar's prefix (≤155) and name (≤100) fields. */
function splitName(name: string): { prefix: string; base: string } {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return { prefix: '', base: name };
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100 && base) return { prefix, base };
  }
  throw new Error(`name too long for a tar entry: ${name}`);
}

function header(name: string, size: number, type: '0' | '5', mtime: Date, mode: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { prefix, base } = splitName(name);
  h.write(base, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii'); // uid
  h.write(octal(0, 8), 116, 8, 'ascii'); // gid
  if (size <= MAX_OCTAL_SIZE) h.write(octal(size, 12), 124, 12, 'ascii');
  else {
    h[124] = 0x80; // base-256 (GNU/star extension) for entries of 8 GiB and more
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 12, 'ascii');
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

/** Writes a tar archive to a file, entry by entry. */
export class TarWriter {
  private constructor(private fh: fs.promises.FileHandle, readonly file: string) {}
  private names = new Set<string>();
  bytes = 0;

  static async create(file: string): Promise<TarWriter> {
    return new TarWriter(await fs.promises.open(file, 'wx', 0o600), file);
  }

  private async write(b: Buffer) {
    await this.fh.write(b);
    this.bytes += b.length;
  }

  private async pad(size: number) {
    const rest = size % BLOCK;
    if (rest) await this.write(Buffer.alloc(BLOCK - rest));
  }

  private claim(name: string) {
    if (this.names.has(name)) throw new Error(`duplicate tar entry ${name}`);
    this.names.add(name);
  }

  async addBuffer(name: string, data: Buffer | string, mode = 0o600): Promise<void> {
    this.claim(name);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    await this.write(header(name, buf.length, '0', new Date(), mode));
    await this.write(buf);
    await this.pad(buf.length);
  }

  /**
   * Copies an already open file (so a concurrent delete or rename of its path cannot change
   * what is read): exactly the size it had when opened.
   */
  async addOpenFile(name: string, src: fs.promises.FileHandle, mode = 0o644): Promise<void> {
    this.claim(name);
    const st = await src.stat();
    await this.write(header(name, st.size, '0', st.mtime, mode));
    const buf = Buffer.alloc(Math.min(CHUNK, Math.max(st.size, 1)));
    let pos = 0;
    while (pos < st.size) {
      const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, st.size - pos), pos);
      if (bytesRead === 0) throw new Error(`${name} shrank while it was being archived`);
      await this.write(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    await this.pad(st.size);
  }

  /** Adds a file by path; returns false when it does not exist (any more). */
  async addFile(name: string, file: string, mode?: number): Promise<boolean> {
    let src: fs.promises.FileHandle;
    try {
      src = await fs.promises.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    try {
      await this.addOpenFile(name, src, mode);
      return true;
    } finally {
      await src.close();
    }
  }

  async addDir(name: string): Promise<void> {
    this.claim(`${name}/`);
    await this.write(header(`${name}/`, 0, '5', new Date(), 0o755));
  }

  /** Two zero blocks end the archive; the file is flushed to disk. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
    await this.fh.sync();
    await this.fh.close();
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
    await fs.promises.rm(this.file, { force: true });
  }
}

function readString(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const end = s.indexOf(0);
  return s.subarray(0, end === -1 ? len : end).toString('utf8');
}

function readSize(b: Buffer): number {
  if (b[124] & 0x80) {
    let v = 0n;
    for (let i = 125; i < 136; i++) v = (v << 8n) | BigInt(b[i]);
    return Number(v);
  }
  const s = readString(b, 124, 12).trim();
  return s ? parseInt(s, 8) : 0;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp === -1) break;
    const len = parseInt(data.subarray(i, sp).toString('ascii'), 10);
    if (!len) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Lists a tar archive's entries (name, size, where the data starts) without reading their data. */
export async function listTar(file: string): Promise<TarEntry[]> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const total = (await fh.stat()).size;
    const out: TarEntry[] = [];
    const h = Buffer.alloc(BLOCK);
    let pos = 0;
    let pax: Record<string, string> = {};
    let longName: string | null = null;
    while (pos + BLOCK <= total) {
      await fh.read(h, 0, BLOCK, pos);
      if (h.every((b) => b === 0)) break;
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
      if (sum !== parseInt(readString(h, 148, 8).trim(), 8)) throw new Error(`not a tar archive, or damaged at byte ${pos}`);
      const type = String.fromCharCode(h[156] || 0x30);
      const size = readSize(h);
      const dataAt = pos + BLOCK;
      if (dataAt + size > total) throw new Error('the tar archive is truncated');
      pos = dataAt + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'L') {
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, dataAt);
        if (type === 'x') pax = parsePax(data);
        else longName = readString(data, 0, size);
        continue;
      }
      if (type === 'g') continue;
      const prefix = readString(h, 345, 155);
      const name = pax.path ?? longName ?? (prefix ? `${prefix}/${readString(h, 0, 100)}` : readString(h, 0, 100));
      const realSize = pax.size ? Number(pax.size) : size;
      out.push({
        name,
        size: realSize,
        type: type === '0' || type === '7' ? 'file' : type === '5' ? 'dir' : 'other',
        offset: dataAt,
        mtime: new Date(parseInt(readString(h, 136, 12).trim() || '0', 8) * 1000),
      });
      pax = {};
      longName = null;
    }
    return out;
  } finally {
    await fh.close();
  }
}

/** Copies one entry's data out of the archive into `dest` (created; must not exist). */
export async function extractEntry(archive: fs.promises.FileHandle, e: TarEntry, dest: string, mode = 0o644): Promise<void> {
  const out = await fs.promises.open(dest, 'wx', mode);
  try {
    const buf = Buffer.alloc(Math.min(CHUNK, Math.max(e.size, 1)));
    let done = 0;
    while (done < e.size) {
      const n = Math.min(buf.length, e.size - done);
      const { bytesRead } = await archive.read(buf, 0, n, e.offset + done);
      if (bytesRead !== n) throw new Error(`the tar archive is truncated in ${e.name}`);
      await out.write(buf.subarray(0, n));
      done += n;
    }
    await out.sync();
  } finally {
    await out.close();
  }
}

/** Reads one (small) entry into memory. */
export async function readEntry(archive: fs.promises.FileHandle, e: TarEntry): Promise<Buffer> {
  const buf = Buffer.alloc(e.size);
  const { bytesRead } = await archive.read(buf, 0, e.size, e.offset);
  if (bytesRead !== e.size) throw new Error(`the tar archive is truncated in ${e.name}`);
  return buf;
}

/** A relative, normalised path with no `..`, no absolute root, no backslashes or NULs. */
export function safeEntryName(name: string): boolean {
  if (!name || name.startsWith('/') || name.includes('\\') || name.includes('\0') || /^[A-Za-z]:/.test(name)) return false;
  const parts = name.replace(/\/$/, '').split('/');
  return parts.every((p) => p !== '' && p !== '.' && p !== '..');
}
