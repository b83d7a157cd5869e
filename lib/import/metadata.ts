// A dataset's own metadata files (manifest.csv as masklab's export and our fixtures write it,
// metadata.csv, labels.json, classes.txt, README*): an import reads them instead of refusing them as
// "not an image". A CSV with a file column (file, path, filename, image) and a label column (label,
// class) gives labels, by path relative to the folder the CSV sits in; so does labels.json
// ({"<file>": "<class>"} or [{"file", "label"}]). Anything else in them is ignored.
import path from 'node:path';
import { type Label, parseLabel } from '../classes';

const METADATA = /^(manifest\.csv|metadata\.csv|labels\.json|classes\.txt|readme(\.[a-z0-9]+)?)$/i;
const FILE_COLUMNS = ['file', 'path', 'filename', 'image'];
const LABEL_COLUMNS = ['label', 'class'];

/** Whether a path inside a dataset is one of its metadata files (by name, in any folder). */
export function isMetadataPath(rel: string): boolean {
  return METADATA.test(path.posix.basename(rel));
}

/** RFC 4180 CSV: quoted cells with doubled quotes, CRLF or LF rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows.filter((r) => r.some((x) => x.trim()));
}

function pairs(rel: string, text: string): [string, string][] {
  if (/\.csv$/i.test(rel)) {
    const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
    const cols = (header ?? []).map((h) => h.trim().toLowerCase());
    const f = cols.findIndex((c) => FILE_COLUMNS.includes(c));
    const l = cols.findIndex((c) => LABEL_COLUMNS.includes(c));
    if (f < 0 || l < 0) return [];
    return rows.map((r) => [r[f] ?? '', r[l] ?? '']);
  }
  if (/\.json$/i.test(rel)) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return [];
    }
    if (Array.isArray(data)) {
      return data.flatMap((o) => {
        if (!o || typeof o !== 'object') return [];
        const r = o as Record<string, unknown>;
        const file = FILE_COLUMNS.map((k) => r[k]).find((v) => typeof v === 'string');
        const label = LABEL_COLUMNS.map((k) => r[k]).find((v) => typeof v === 'string');
        return typeof file === 'string' && typeof label === 'string' ? [[file, label] as [string, string]] : [];
      });
    }
    if (data && typeof data === 'object') return Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string');
  }
  return [];
}

/**
 * The labels a metadata file gives, keyed by the file's path inside the dataset (the metadata file's
 * folder joined with the listed path). Rows whose label is not a class are left out.
 */
export function metadataLabels(rel: string, bytes: Buffer): Map<string, Label> {
  const dir = path.posix.dirname(rel);
  const out = new Map<string, Label>();
  for (const [file, value] of pairs(rel, bytes.toString('utf8'))) {
    const label = parseLabel(value.trim());
    const name = file.trim().replace(/\\/g, '/').replace(/^\.\//, '');
    if (!label || !name) continue;
    out.set(path.posix.normalize(dir === '.' ? name : `${dir}/${name}`), label);
  }
  return out;
}
