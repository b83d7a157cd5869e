// Importing an existing dataset: a folder or a zip, optionally in ImageFolder layout
// (`<class>/*.jpg`, or `train|val|test/<class>/*.jpg` as split-folders writes it), where the
// folder a file sits in names its label (case-insensitive). Every file goes through ingestPhoto.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { config } from '../config';
import type { Db } from '../db';
import { UserError } from '../errors';
import { sniff } from '../images';
import { LABELS, type Label, parseLabel } from '../classes';
import { ATTR_LABELS, type AttrLabel, parseAttrLabel } from '../dataset/eval-sets';
import { type IngestInput, type IngestOptions, type IngestResult, ingestSafely } from '../dataset/ingest';
import { isJunkPath, readZip, type ZipLimits, ZipRefused } from './zip';
import { isMetadataPath, metadataLabels } from './metadata';

export type ImportSummary = {
  photos: number;
  faces: number;
  duplicates: number;
  rejected: Array<{ file: string; reason: string }>;
  /** Dataset metadata files read instead of imported (lib/import/metadata.ts), with how many of their labels were used. */
  metadata: Array<{ file: string; labels: number }>;
};

export type ImportOptions = {
  uploaderId: string;
  source?: IngestInput['source'];
  /** Label each file by the folder it sits in. */
  labelsFromFolders?: boolean;
  /** One label for everything (ignored when labelsFromFolders is set). */
  label?: Label | null;
  zipLimits?: ZipLimits;
  /** The import batch name (Photo.batch); default: the folder's or zip's name. */
  batch?: string;
  /** An evaluation set's id (lib/dataset/eval-sets.ts): its photos are never trained on, and with
   * labelsFromFolders the attribute folders young/old/mask/nomask give partial labels. */
  evalSetId?: string | null;
  /** Called after every file, e.g. to stream progress. */
  onResult?: (r: IngestResult) => void | Promise<void>;
  /** Zips: told how many results the archive will give, before the first one. */
  onTotal?: (total: number) => void | Promise<void>;
  /** Zips: skip the first results (a retried import job resumes where it stopped). */
  skipEntries?: number;
  /** Zips: stop before this result (with skipEntries, one chunk of an import job). */
  endEntry?: number;
  /** Read the dataset's metadata files (manifest.csv …) instead of importing them; with labelsFromFolders their
   * labels label the files whose folder names no class. (A zip then gets read twice.) */
  readMetadata?: boolean;
};

export function zipLimitsFromConfig(): ZipLimits {
  const c = config();
  return { maxEntryBytes: c.maxUploadBytes, maxTotalBytes: c.maxZipBytes, maxRatio: c.maxZipRatio, maxEntries: c.maxZipEntries };
}

export function emptySummary(): ImportSummary {
  return { photos: 0, faces: 0, duplicates: 0, rejected: [], metadata: [] };
}

export function addToSummary(s: ImportSummary, r: IngestResult): void {
  if (r.status === 'added') {
    s.photos++;
    s.faces += r.faces;
  } else if (r.status === 'duplicate') s.duplicates++;
  else s.rejected.push({ file: r.file, reason: r.reason });
}

/** The label a file's folder gives it: the folder it sits in must name a class (split folders above it are ignored). */
export function labelFromPath(relPath: string): Label | null {
  const dirs = relPath.split('/').slice(0, -1);
  return parseLabel(dirs.at(-1));
}

/**
 * What a file's folder gives it in an evaluation set: a class folder (mask_old, …) a full label,
 * young/old or mask/nomask a single attribute (scored on age or mask only); null if neither.
 */
export function evalLabelFromPath(relPath: string): { label: Label } | { attrLabel: AttrLabel } | null {
  const label = labelFromPath(relPath);
  if (label) return { label };
  const attrLabel = parseAttrLabel(relPath.split('/').slice(0, -1).at(-1));
  return attrLabel ? { attrLabel } : null;
}

const batchName = (s: string) => s.slice(0, 200);

async function* walk(root: string, rel = ''): AsyncGenerator<string> {
  const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (isJunkPath(r)) continue;
    if (e.isDirectory()) yield* walk(root, r);
    else if (e.isFile()) yield r;
  }
}

class Importer {
  readonly summary = emptySummary();
  /** Labels from the dataset's metadata files, by path inside the dataset, and which file gave each. */
  private listed = new Map<string, { label: Label; from: { file: string; labels: number } }>();
  constructor(
    private db: Db,
    private ingest: IngestOptions,
    private opts: ImportOptions,
    /** Photo.batch: the option, else the folder's or zip's name. */
    private batch: string,
  ) {}

  async record(r: IngestResult) {
    addToSummary(this.summary, r);
    await this.opts.onResult?.(r);
  }

  reject(file: string, reason: string) {
    return this.record({ file, status: 'rejected', reason });
  }

  /** A metadata file: its labels are kept for the files it lists (the first file to list a path wins). */
  metadata(name: string, rel: string, bytes: Buffer) {
    const from = { file: name, labels: 0 };
    this.summary.metadata.push(from);
    for (const [p, label] of metadataLabels(rel, bytes)) if (!this.listed.has(p)) this.listed.set(p, { label, from });
  }

  /** One file's bytes, labelled by its folder when asked to. `labelPath` is its path inside the dataset. */
  async file(name: string, labelPath: string, bytes: Buffer) {
    let label = this.opts.label ?? null;
    let attrLabel: AttrLabel | null = null;
    if (this.opts.labelsFromFolders) {
      const evalSet = !!this.opts.evalSetId;
      const got = evalSet ? evalLabelFromPath(labelPath) : { label: labelFromPath(labelPath) };
      label = got && 'label' in got ? got.label : null;
      attrLabel = got && 'attrLabel' in got ? got.attrLabel : null;
      const listed = !label && !attrLabel ? this.listed.get(path.posix.normalize(labelPath)) : undefined;
      if (listed) {
        label = listed.label;
        listed.from.labels++;
      }
      // A non-image is refused for what it is (by ingest), not for its folder.
      if (!label && !attrLabel && sniff(bytes).kind === 'image') {
        const dir = labelPath.split('/').slice(0, -1).at(-1);
        const names = evalSet ? [...LABELS, ...ATTR_LABELS] : LABELS;
        const hint = !evalSet && parseAttrLabel(dir) ? ` (an attribute folder: only evaluation sets, --eval-set, may label one attribute)` : '';
        return this.reject(name, dir ? `folder "${dir}" is not a class (${names.join(', ')})${hint}` : `not inside a class folder (${names.join(', ')})`);
      }
    }
    const r = await ingestSafely(this.db, this.ingest, {
      bytes,
      name,
      label,
      attrLabel,
      uploaderId: this.opts.uploaderId,
      source: this.opts.source ?? 'import',
      batch: this.batch,
      evalSetId: this.opts.evalSetId ?? null,
    });
    await this.record(r);
  }

  async zip(file: string, displayName: string) {
    const limits = this.opts.zipLimits ?? zipLimitsFromConfig();
    const meta = this.opts.readMetadata ? isMetadataPath : undefined;
    try {
      if (meta) {
        for await (const e of readZip(file, limits, { only: meta })) {
          if ('data' in e) this.metadata(`${displayName}/${e.name}`, e.name, e.data);
        }
      }
      for await (const e of readZip(file, limits, { onTotal: this.opts.onTotal, skip: this.opts.skipEntries, end: this.opts.endEntry, except: meta })) {
        const name = `${displayName}/${e.name}`;
        if ('error' in e) await this.reject(name, e.error);
        else await this.file(name, e.name, e.data);
      }
    } catch (err) {
      if (err instanceof ZipRefused) return this.reject(displayName, err.message);
      throw err;
    }
  }

  async dir(root: string) {
    const maxBytes = this.ingest.limits.maxUploadBytes;
    const files: string[] = [];
    for await (const rel of walk(root)) {
      if (!this.opts.readMetadata || !isMetadataPath(rel)) files.push(rel);
      else if ((await fs.stat(path.join(root, rel))).size <= maxBytes) this.metadata(rel, rel, await fs.readFile(path.join(root, rel)));
    }
    for (const rel of files) {
      const full = path.join(root, rel);
      const st = await fs.stat(full);
      if (st.size > maxBytes) {
        await this.reject(rel, `file is ${(st.size / 1024 / 1024).toFixed(1)} MB, over the ${(maxBytes / 1024 / 1024).toFixed(0)} MB limit`);
        continue;
      }
      const head = Buffer.alloc(8);
      const fh = await fs.open(full, 'r');
      try {
        await fh.read(head, 0, 8, 0);
      } finally {
        await fh.close();
      }
      if (sniff(head).kind === 'zip') {
        await this.reject(rel, 'zip archive inside the folder: import it separately');
        continue;
      }
      await this.file(rel, rel, await fs.readFile(full));
    }
  }
}

/** Imports a folder, a zip or a single image file from the local file system. */
export async function importPath(db: Db, ingest: IngestOptions, target: string, opts: ImportOptions): Promise<ImportSummary> {
  let st;
  try {
    st = await fs.stat(target);
  } catch {
    throw new UserError(`no such file or folder: ${target}`);
  }
  const imp = new Importer(db, ingest, opts, batchName(opts.batch ?? path.basename(path.resolve(target))));
  if (st.isDirectory()) await imp.dir(target);
  else {
    const head = Buffer.alloc(8);
    const fh = await fs.open(target, 'r');
    try {
      await fh.read(head, 0, 8, 0);
    } finally {
      await fh.close();
    }
    const name = path.basename(target);
    if (opts.readMetadata && isMetadataPath(name)) imp.metadata(name, name, await fs.readFile(target));
    else if (sniff(head).kind === 'zip') await imp.zip(target, name);
    else await imp.file(name, name, await fs.readFile(target));
  }
  return imp.summary;
}

/** Imports a zip already on disk (e.g. an upload spooled to a temp file) under a display name. */
export async function importZipFile(db: Db, ingest: IngestOptions, file: string, displayName: string, opts: ImportOptions): Promise<ImportSummary> {
  const imp = new Importer(db, ingest, opts, batchName(opts.batch ?? displayName));
  await imp.zip(file, displayName);
  return imp.summary;
}
