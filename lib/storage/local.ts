// BlobStore on the local file system. Writes go to a temp file in the same directory and are
// renamed into place, so a crash never leaves a partial blob under a real key.
import crypto from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo, BlobStore } from './types';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export class LocalStore implements BlobStore {
  constructor(readonly root: string) {}

  get where(): string {
    return this.root;
  }

  private file(key: string): string {
    const parts = key.split('/');
    if (parts.length === 0 || !parts.every((p) => SEGMENT.test(p) && p !== '..' && p !== '.')) {
      throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
    }
    return path.join(this.root, ...parts);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.writeFile(tmp, data);
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async putStream(key: string, body: Readable): Promise<number> {
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    let bytes = 0;
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const c of source) {
            bytes += c.length;
            yield c;
          }
        },
        createWriteStream(tmp, { flags: 'wx' }),
      );
      await fs.rename(tmp, file);
      return bytes;
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async getStream(key: string): Promise<{ body: Readable; size: number } | null> {
    // Opened first: a delete after this cannot cut the read short.
    const fh = await fs.open(this.file(key), 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (!fh) return null;
    const st = await fh.stat();
    return { body: fh.createReadStream(), size: st.size };
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const s = await fs.stat(this.file(key));
      return s.isFile() ? { size: s.size, modified: s.mtime } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.file(key);
    await fs.rm(file, { force: true });
    // Tidy empty parent directories up to the root (ignore "not empty").
    let dir = path.dirname(file);
    while (dir.startsWith(this.root) && dir !== this.root) {
      try {
        await fs.rmdir(dir);
      } catch {
        break;
      }
      dir = path.dirname(dir);
    }
  }

  /** `put` writes `<file>.<random>.tmp` first; a process killed mid-write leaves it behind. */
  async *listTemp(): AsyncIterable<{ name: string; modified: Date }> {
    for await (const file of walkFiles(this.root, (name) => name.endsWith('.tmp'))) {
      const st = await fs.stat(file).catch(() => null);
      if (st?.isFile()) yield { name: path.relative(this.root, file).split(path.sep).join('/'), modified: st.mtime };
    }
  }

  async removeTemp(name: string): Promise<void> {
    if (!name.endsWith('.tmp')) throw new Error(`not a temporary file: ${JSON.stringify(name)}`);
    const file = this.file(name); // validates every segment: stays inside the store
    await fs.rm(file, { force: true });
  }

  async *list(prefix: string): AsyncIterable<string> {
    const start = prefix ? this.file(prefix.replace(/\/+$/, '')) : this.root;
    for await (const file of walkFiles(start, (name) => !name.endsWith('.tmp'))) yield path.relative(this.root, file).split(path.sep).join('/');
  }
}

async function* walkFiles(dir: string, keep: (name: string) => boolean): AsyncGenerator<string> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw err;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walkFiles(p, keep);
    else if (e.isFile() && keep(e.name)) yield p;
  }
}
