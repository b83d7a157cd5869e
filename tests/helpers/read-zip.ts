// Reads a whole zip archive with yauzl (a standard reader: it checks CRCs and understands ZIP64).
import yauzl from 'yauzl';

export function readZipFile(file: string, opts: { names?: (name: string) => boolean } = {}): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (e: yauzl.Entry) => {
        if (opts.names && !opts.names(e.fileName)) {
          out.set(e.fileName, Buffer.alloc(0));
          zip.readEntry();
          return;
        }
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2);
          const parts: Buffer[] = [];
          s.on('data', (d: Buffer) => parts.push(d));
          s.on('error', reject);
          s.on('end', () => {
            out.set(e.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Entries of a zip without reading their data (names and the entry count the central directory records). */
export function zipEntryNames(file: string): Promise<{ names: string[]; entryCount: number }> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve({ names, entryCount: zip.entryCount }));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
