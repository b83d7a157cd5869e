// Writing zip archives: yazl (a maintained writer with ZIP64, so more than 65,535 entries and more than
// 4 GiB work), streamed to a temporary file next to the target and renamed into place when complete, so an
// interrupted write never leaves a partial archive under the target's name. Entries are written as they are
// added: `add` waits while more than a few MB are queued, so the archive is never held in memory.
// yazl writes ZIP64 records by itself when an archive needs them. It looks for the next entry to write by scanning
// its list from the start for every entry (yazl PR #91): 70,000 entries took about a minute, 200,000 would take
// many. So ZipOut takes the entries yazl has written off the front of its list (`shelve`) and gives them back
// before the central directory is written (`finish`), which keeps the scan short.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { ZipFile } from 'yazl';

/** Most bytes queued ahead of the file before `add` waits for the disk. */
const MAX_PENDING = 8 * 1024 * 1024;
/** yazl's Entry.FILE_DATA_DONE: an entry whose data is written (only its central directory record is left). */
const FILE_DATA_DONE = 3;

/** The part of yazl's ZipFile that `shelve` reaches into (its entry list and each entry's state). */
type YazlEntries = { entries: { state: number }[] };

export class ZipOut {
  readonly tmp: string;
  private zip = new ZipFile();
  private out: fs.WriteStream;
  private names = new Set<string>();
  /** Entries yazl has written, taken off its list until `finish`. */
  private shelved: { state: number }[] = [];
  private queued = 0;
  private failed: Error | null = null;
  private done: Promise<void>;

  constructor(
    readonly file: string,
    private readonly opts: { forceZip64?: boolean } = {},
  ) {
    this.tmp = path.join(path.dirname(file), `.${path.basename(file)}.partial-${process.pid}-${crypto.randomBytes(3).toString('hex')}`);
    this.out = fs.createWriteStream(this.tmp, { mode: 0o600 });
    this.done = new Promise((resolve, reject) => {
      this.out.on('close', resolve);
      this.out.on('error', (err) => {
        this.failed = err;
        reject(err);
      });
    });
    this.done.catch(() => {}); // reported by add/finish
    this.zip.outputStream.pipe(this.out);
  }

  /** Adds one entry (JPEGs: `compress: false`, they do not shrink). Waits while too much is queued. */
  async add(name: string, data: Buffer | string, opts: { compress?: boolean } = {}): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.names.has(name)) throw new Error(`duplicate zip entry ${name}`);
    this.names.add(name);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const compress = opts.compress ?? true;
    this.zip.addBuffer(buf, name, { compress, mtime: new Date(), forceZip64Format: !!this.opts.forceZip64 });
    // Stored entries reach the file byte for byte; a compressed one writes less than it queues, so counting it
    // would leave a gap that never closes (and `add` waiting for ever).
    if (!compress) this.queued += buf.length;
    while (this.queued - this.out.bytesWritten > MAX_PENDING) {
      if (this.failed) throw this.failed;
      await new Promise((r) => setTimeout(r, 5));
    }
    if (this.names.size % 256 === 0) this.shelve();
  }

  /** Takes the written entries off the front of yazl's list (kept in order, given back by `finish`). */
  private shelve(): void {
    const list = (this.zip as unknown as YazlEntries).entries;
    let n = 0;
    while (n < list.length && list[n].state === FILE_DATA_DONE) n++;
    if (n > 0) this.shelved.push(...list.splice(0, n));
  }

  /**
   * Adds a directory entry (`name/`), so that a folder with no files still exists when the archive is
   * unpacked (an ImageFolder class with no faces in a split).
   */
  addDirectory(name: string): void {
    if (this.failed) throw this.failed;
    const dir = name.endsWith('/') ? name : `${name}/`;
    if (this.names.has(dir)) throw new Error(`duplicate zip entry ${dir}`);
    this.names.add(dir);
    this.zip.addEmptyDirectory(dir, { mtime: new Date() });
  }

  /** Ends the archive, waits for the disk, and renames it to its final name. */
  async finish(): Promise<void> {
    // Every entry back in yazl's list, in order: its central directory (and the ZIP64 decision) needs them all.
    const yz = this.zip as unknown as YazlEntries;
    yz.entries = [...this.shelved, ...yz.entries];
    this.shelved = [];
    this.zip.end({ forceZip64Format: !!this.opts.forceZip64, comment: '' });
    await this.done;
    if (this.failed) throw this.failed;
    fs.renameSync(this.tmp, this.file);
  }

  /** Stops writing and removes the temporary file. */
  async abort(): Promise<void> {
    this.zip.outputStream.unpipe(this.out);
    // Wait for the file to be closed: a write stream opens its file asynchronously, and removing it
    // before that open completes left an empty temporary file behind on a busy machine.
    await new Promise<void>((resolve) => {
      if (this.out.closed) return resolve();
      this.out.once('close', () => resolve());
      this.out.destroy();
    });
    fs.rmSync(this.tmp, { force: true });
  }
}
