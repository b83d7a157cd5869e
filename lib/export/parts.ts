// The parts of an export written in chunks (lib/export/job.ts). Each `export-chunk` job writes its faces as one
// part, a zip of stored entries written through ZipOut (whole or not at all, so a retried chunk rewrites it):
//   <split>/<class>/<face id>.jpg   the faces' images under their archive names, in archive order
//   rows/manifest.csv               their manifest.csv rows (no header; absent when the part holds no face)
//   rows/<split>/metadata.csv       their rows of that split folder's metadata.csv (no header; one per split present)
// and the export job copies the parts, in chunk order, into the archive (`copyPart` as the faces of
// `assembleArchive`, lib/export/export.ts). Parts live where every worker reads them: in the data folder,
// `<data dir>/exports/.parts-<job id>/<n>.zip`, or on shared object storage (S3) `exports/parts/<job id>/<n>.zip`
// (a worker only spools its part in that folder). The job removes them when it ends, succeeded, failed or
// cancelled; what a job that died left is removed by `cleanupExports` / `cleanupSharedExports` once a lease idle.
import fs from 'node:fs';
import path from 'node:path';
import { chunks, type Db } from '../db';
import { type BlobStore, exportPartKey, exportPartsPrefix, getFile, putFile } from '../storage';
import { readZip, type ZipLimits } from '../import/zip';
import { ZipOut } from './zip-out';
import { ARCHIVE_ORDER, emptyRows, exportSelection, FACE_SELECT, type FaceSink, metadataRowsOf, writeFaces } from './export';
import { type ExportOptions, exportFilePath, exportsDir } from './queue';

const ROWS = 'rows/';
const MANIFEST_ROWS = `${ROWS}manifest.csv`;
const metadataRows = (split: string) => `${ROWS}${split}/metadata.csv`;

/** The name of an export job's parts folder in the exports folder. */
export const partsDirName = (jobId: string) => `.parts-${jobId}`;
export const isPartsDirName = (name: string) => name.startsWith('.parts-');

/** Where the parts of export `jobId` are kept: the data folder's exports folder, and shared object storage when there is one. */
export type PartsPlace = { dataDir: string; shared: BlobStore | null; jobId: string };

function partsDir(p: PartsPlace): string {
  exportFilePath(p.dataDir, p.jobId); // refuses an id that is no plain file name
  return path.join(exportsDir(p.dataDir), partsDirName(p.jobId));
}

/** The local file of part `n` (on shared object storage: its spool). */
export const partFile = (p: PartsPlace, n: number) => path.join(partsDir(p), `${n}.zip`);

/**
 * Writes part `file`: the faces of `ids` (in archive order) that the export still holds, read as its options say.
 * A face deleted meanwhile is skipped, one relabelled is written with its label and split of now, one no longer in
 * the export (another class or split) is left out. `onFace` after each face; `beforeFinish` may throw to stop
 * (a cancelled chunk writes no part). Whole or not at all. Returns the faces written.
 */
export async function writePart(
  db: Db,
  file: string,
  ids: readonly string[],
  options: ExportOptions,
  blobs: BlobStore,
  hooks: { onFace?: () => Promise<void>; beforeFinish?: () => Promise<void> } = {},
): Promise<number> {
  const { where } = exportSelection(options);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const zip = new ZipOut(file);
  try {
    const rows = emptyRows();
    let faces = 0;
    // `ids` are in archive order already: slices of it, each sorted the same way, keep it.
    const pages = (async function* () {
      for (const slice of chunks(ids)) yield await db.face.findMany({ where: { AND: [where, { id: { in: slice } }] }, select: FACE_SELECT, orderBy: ARCHIVE_ORDER });
    })();
    const sink: FaceSink = {
      image: async (name, bytes) => {
        await zip.add(name, bytes, { compress: false });
        faces++;
      },
      rows,
    };
    await writeFaces(pages, options, blobs, sink, hooks.onFace);
    if (rows.manifest.length) await zip.add(MANIFEST_ROWS, rows.manifest.join('\n'));
    for (const [split, lines] of rows.metadata) await zip.add(metadataRows(split), lines.join('\n'));
    await hooks.beforeFinish?.();
    await zip.finish();
    return faces;
  } catch (err) {
    await zip.abort();
    throw err;
  }
}

/** Our own parts: no limits of an upload to guard against. */
const OWN_PART: ZipLimits = { maxEntryBytes: Number.MAX_SAFE_INTEGER, maxTotalBytes: Number.MAX_SAFE_INTEGER, maxRatio: Infinity, maxEntries: Number.MAX_SAFE_INTEGER };

/** Writes part `file`'s images to `sink` in their order, and adds its rows to the sink's. */
export async function copyPart(file: string, sink: FaceSink): Promise<void> {
  for await (const e of readZip(file, OWN_PART)) {
    if ('error' in e) throw new Error(`export part ${path.basename(file)}: ${e.name}: ${e.error}`);
    if (e.name === MANIFEST_ROWS) {
      sink.rows.manifest.push(e.data.toString('utf8'));
    } else if (e.name.startsWith(ROWS)) {
      metadataRowsOf(sink.rows, e.name.slice(ROWS.length).split('/')[0]).push(e.data.toString('utf8'));
    } else {
      await sink.image(e.name, e.data);
    }
  }
}

/** Makes the written part `n` readable by every worker: on shared object storage, uploads it and removes the spool. */
export async function keepPart(p: PartsPlace, n: number): Promise<void> {
  if (!p.shared) return;
  const file = partFile(p, n);
  try {
    await putFile(p.shared, exportPartKey(p.jobId, n), file);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/**
 * Part `n` as a local file (from shared object storage: downloaded, and `release` removes the copy). Throws when the
 * part is gone (its job ended meanwhile, or a retried job whose first attempt had removed them).
 */
export async function localPart(p: PartsPlace, n: number): Promise<{ file: string; release: () => void }> {
  const file = partFile(p, n);
  const gone = () => new Error(`part ${n} of export ${p.jobId} is missing; start a new export`);
  if (!p.shared) {
    if (!fs.existsSync(file)) throw gone();
    return { file, release: () => {} };
  }
  if (!(await getFile(p.shared, exportPartKey(p.jobId, n), file))) throw gone();
  return { file, release: () => fs.rmSync(file, { force: true }) };
}

/** Removes every part of the job: its folder, and its keys on shared object storage. */
export async function removeParts(p: PartsPlace): Promise<void> {
  fs.rmSync(partsDir(p), { recursive: true, force: true });
  if (!p.shared) return;
  const keys: string[] = [];
  for await (const key of p.shared.list(exportPartsPrefix(p.jobId))) keys.push(key);
  for (const key of keys) await p.shared.delete(key);
}
