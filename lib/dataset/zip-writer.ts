// A small ZIP writer (deflate, no ZIP64: archives under 4 GiB), streaming entries to a file.
import fs from 'node:fs';
import zlib from 'node:zlib';

type Entry = { name: Buffer; crc: number; size: number; csize: number; offset: number; method: number; time: number; date: number };

function dosTime(d: Date) {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

export class ZipWriter {
  private fd: number;
  private offset = 0;
  private entries: Entry[] = [];
  private names = new Set<string>();

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  private write(b: Buffer) {
    fs.writeSync(this.fd, b);
    this.offset += b.length;
  }

  add(name: string, data: Buffer | string, opts: { store?: boolean } = {}) {
    if (this.names.has(name)) throw new Error(`duplicate zip entry ${name}`);
    this.names.add(name);
    const raw = typeof data === 'string' ? Buffer.from(data) : data;
    const method = opts.store ? 0 : 8;
    const body = method === 8 ? zlib.deflateRawSync(raw) : raw;
    const nameBuf = Buffer.from(name, 'utf8');
    const { time, date } = dosTime(new Date());
    const e: Entry = { name: nameBuf, crc: zlib.crc32(raw) >>> 0, size: raw.length, csize: body.length, offset: this.offset, method, time, date };
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x0800, 6); // UTF-8 names
    h.writeUInt16LE(method, 8);
    h.writeUInt16LE(time, 10);
    h.writeUInt16LE(date, 12);
    h.writeUInt32LE(e.crc, 14);
    h.writeUInt32LE(e.csize, 18);
    h.writeUInt32LE(e.size, 22);
    h.writeUInt16LE(nameBuf.length, 26);
    h.writeUInt16LE(0, 28);
    this.write(h);
    this.write(nameBuf);
    this.write(body);
    this.entries.push(e);
    if (this.offset > 0xffffffff) throw new Error('zip archive too large (over 4 GiB)');
  }

  close() {
    const start = this.offset;
    for (const e of this.entries) {
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(20, 4);
      c.writeUInt16LE(20, 6);
      c.writeUInt16LE(0x0800, 8);
      c.writeUInt16LE(e.method, 10);
      c.writeUInt16LE(e.time, 12);
      c.writeUInt16LE(e.date, 14);
      c.writeUInt32LE(e.crc, 16);
      c.writeUInt32LE(e.csize, 20);
      c.writeUInt32LE(e.size, 24);
      c.writeUInt16LE(e.name.length, 28);
      c.writeUInt32LE(e.offset, 42);
      this.write(c);
      this.write(e.name);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    this.write(end);
    fs.closeSync(this.fd);
  }

  abort() {
    try {
      fs.closeSync(this.fd);
    } catch {}
    fs.rmSync(this.file, { force: true });
  }
}
