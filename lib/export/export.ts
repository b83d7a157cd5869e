// The dataset export (the `export` job of the Training page and `GET /api/export`, and the CLI's `export`:
// one function, one archive):
//   train/ val/ test/ <class>/<face id>.jpg   ImageFolder by split (the Ultralytics / torchvision names); every
//                                             exported split has a folder for every class (a directory entry when
//                                             it holds no face), so ImageFolder's class_to_idx (sorted folder
//                                             names) is the same in each split and equals labels.json
//   classes.txt, labels.json                  the classes in the model's softmax order (CLASSES), and class → index
//   train/ val/ test/ metadata.csv            Hugging Face `imagefolder` metadata of that split: file_name
//                                             (relative to the csv: <class>/<face id>.jpg), label, split, face_id,
//                                             photo_id, original_file, box_x/y/w/h. One per split folder: datasets
//                                             reads every row of a split's metadata files into that split, so a
//                                             single file at the root would put every face in every split
//   manifest.csv                              one row per face: file, face, photo, original_file, box, label,
//                                             split, labeller, time (cells escaped against CSV injection)
//   model/                                    the promoted model as a bundle that runs without masklab
//                                             (lib/models/bundle.ts), when a model is promoted
// Faces without a split yet (labelled since the last retrain) and evaluation-set faces are not exported.
// Streamed into a ZIP64 archive through a temporary file that is renamed when complete (lib/export/zip-out.ts).
// `assembleArchive` is the one place of this layout. Its faces come from `writeFaces`: in this process for the
// CLI and a small export job (`exportDataset`), or, for a large export job, in parts that export-chunk jobs
// write on any worker (lib/export/parts.ts, lib/export/job.ts), which it copies in order.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Db, Prisma } from '../db';
import { config } from '../config';
import { ZipOut } from './zip-out';
import { type BundleEntry, bundleEntries } from '../models/bundle';
import { promotedModel } from '../models/promoted';
import { type BlobStore, originalKey, store as defaultStore } from '../storage';
import { readCrop } from './crop-source';
import { ARCHIVE_SPLITS, type ExportOptions, type ExportOptionsInput, exportOptionsSchema, type ExportProgress, type ExportResult } from './queue';
import { decodeOriginal } from '../features/cache';
import { CLASSES } from '../classes';

export const MANIFEST_COLUMNS = ['file', 'face', 'photo', 'original_file', 'box', 'label', 'split', 'labeller', 'time'] as const;
/** `<split>/metadata.csv`, Hugging Face `imagefolder`'s metadata file: `file_name` is the image's path relative to the csv. */
export const METADATA_COLUMNS = ['file_name', 'label', 'split', 'face_id', 'photo_id', 'original_file', 'box_x', 'box_y', 'box_w', 'box_h'] as const;

/** classes.txt: one class a line, in the model's softmax order (the index is the line number from 0). */
export const classesTxt = () => CLASSES.join('\n') + '\n';
/** labels.json: class → softmax index. */
export const labelsJson = () => JSON.stringify(Object.fromEntries(CLASSES.map((c, i) => [c, i])), null, 2) + '\n';

/**
 * One CSV cell. A cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
 * carriage return) gets a leading `'` and is quoted; cells with a quote, comma or line break are quoted.
 */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  const formula = /^[=+\-@\t\r]/.test(s);
  if (formula) s = `'${s}`;
  return formula || /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (cells: readonly unknown[]) => cells.map(csvCell).join(',');

const num = (v: number) => String(Math.round(v * 100) / 100);

const PAGE = 500;

/** The stored splits (`Face.split`) an export holds. */
type StoredSplit = keyof typeof ARCHIVE_SPLITS;

/** Which faces an export holds: labelled with one of its classes, in one of its splits, not in an evaluation set. */
export function exportSelection(options: ExportOptions): { where: Prisma.FaceWhereInput; splits: StoredSplit[] } {
  const splits = (Object.keys(ARCHIVE_SPLITS) as StoredSplit[]).filter((s) => options.split === 'all' || ARCHIVE_SPLITS[s] === options.split);
  return { where: { label: { in: [...options.classes] }, split: { in: splits }, photo: { evalSetId: null } }, splits };
}

/** The archive's order of faces: by photo (a photo's faces together, its original decoded once), then by id. */
export const ARCHIVE_ORDER = [{ photoId: 'asc' }, { id: 'asc' }] satisfies Prisma.FaceOrderByWithRelationInput[];

/**
 * The faces of `where` in archive order, a page at a time, as `fetch` reads them. Keyset paging on that order
 * (a Prisma cursor on a face deleted meanwhile would end the loop early).
 */
export async function* facePages<T extends { id: string; photoId: string }>(
  where: Prisma.FaceWhereInput,
  fetch: (page: { where: Prisma.FaceWhereInput; orderBy: typeof ARCHIVE_ORDER; take: number }) => Promise<T[]>,
): AsyncGenerator<T[]> {
  let after: { photoId: string; id: string } | null = null;
  for (;;) {
    const page: Prisma.FaceWhereInput = after ? { AND: [where, { OR: [{ photoId: { gt: after.photoId } }, { photoId: after.photoId, id: { gt: after.id } }] }] } : where;
    const faces = await fetch({ where: page, orderBy: ARCHIVE_ORDER, take: PAGE });
    if (faces.length === 0) return;
    after = { photoId: faces[faces.length - 1].photoId, id: faces[faces.length - 1].id };
    yield faces;
  }
}

/** What the archive needs of a face. */
export const FACE_SELECT = {
  id: true,
  photoId: true,
  index: true,
  label: true,
  split: true,
  x: true,
  y: true,
  w: true,
  h: true,
  labelledAt: true,
  labelledBy: { select: { email: true } },
  photo: { select: { sha256: true, originalName: true } },
} satisfies Prisma.FaceSelect;
export type ExportFace = Prisma.FaceGetPayload<{ select: typeof FACE_SELECT }>;

/**
 * The csv rows of exported faces, in archive order, without headers: manifest.csv's, and each split folder's
 * metadata.csv's (by folder name). An item may be several rows joined by line breaks (a part's, lib/export/parts.ts).
 */
export type ExportRows = { manifest: string[]; metadata: Map<string, string[]> };
export const emptyRows = (): ExportRows => ({ manifest: [], metadata: new Map() });
/** The metadata rows of split folder `split` (added when it has none yet). */
export const metadataRowsOf = (rows: ExportRows, split: string): string[] => rows.metadata.get(split) ?? rows.metadata.set(split, []).get(split)!;

/** Where faces go: their image entries (the caller stores them uncompressed: JPEGs do not shrink) and their rows. */
export type FaceSink = { image: (name: string, bytes: Buffer) => Promise<void>; rows: ExportRows };

/**
 * Each face of `pages` (in their order) into `sink`: its image under its archive name (`<split>/<label>/<face>.jpg`)
 * read as the options say (the stored crop, or the whole photo, decoded once for all of its faces that follow each
 * other), and its manifest and metadata rows. `onFace` after each face (it may throw to stop).
 */
export async function writeFaces(
  pages: AsyncIterable<ExportFace[]>,
  options: ExportOptions,
  blobs: BlobStore,
  sink: FaceSink,
  onFace: () => Promise<void> | void = () => {},
): Promise<void> {
  let lastPhoto = null as { id: string; jpeg: Buffer } | null;
  for await (const faces of pages) {
    for (const f of faces) {
      const split = ARCHIVE_SPLITS[f.split as StoredSplit];
      const file = `${split}/${f.label}/${f.id}.jpg`;
      let bytes: Buffer;
      if (options.content === 'crops') {
        bytes = await readCrop({ faceId: f.id, photoSha: f.photo.sha256, index: f.index }, blobs);
      } else {
        if (lastPhoto?.id !== f.photoId) lastPhoto = { id: f.photoId, jpeg: await wholePhotoJpeg(blobs, f.photo.sha256, f.photoId) };
        bytes = lastPhoto.jpeg;
      }
      await sink.image(file, bytes);
      sink.rows.manifest.push(
        csvRow([
          file,
          f.id,
          f.photoId,
          f.photo.originalName,
          [f.x, f.y, f.w, f.h].map(num).join(' '),
          f.label,
          split,
          f.labelledBy?.email ?? '',
          f.labelledAt?.toISOString() ?? '',
        ]),
      );
      metadataRowsOf(sink.rows, split).push(csvRow([`${f.label}/${f.id}.jpg`, f.label, split, f.id, f.photoId, f.photo.originalName, num(f.x), num(f.y), num(f.w), num(f.h)]));
      await onFace();
    }
  }
}

/**
 * Writes the archive to `zipFile` (complete or not at all): the one place of its layout. The class folders,
 * classes.txt and labels.json, then the faces' images as `faces` writes them to the sink it is given (straight
 * from storage, `writeFaces`, or copied from the parts of an export in chunks), then manifest.csv and each
 * split's metadata.csv from their rows, then the model bundle. `progress` is the caller's (its `faces` step);
 * this reports the `model` and `done` steps.
 */
export async function assembleArchive(
  db: Db,
  zipFile: string,
  options: ExportOptions,
  run: ExportRunOptions,
  progress: ExportProgress,
  faces: (sink: FaceSink) => Promise<void>,
): Promise<ExportResult & { file: string }> {
  const out = path.resolve(zipFile);
  const { splits } = exportSelection(options);
  const zip = new ZipOut(out);
  let images = 0;
  let modelRun: string | null = null;
  let modelNote: string | undefined;
  try {
    // Every class folder in every exported split, even empty: loaders that take the classes from the folders
    // (torchvision ImageFolder, Keras image_dataset_from_directory) then number them the same in each split.
    for (const split of splits) for (const cls of CLASSES) zip.addDirectory(`${ARCHIVE_SPLITS[split]}/${cls}/`);
    await zip.add('classes.txt', classesTxt());
    await zip.add('labels.json', labelsJson());
    const rows = emptyRows();
    await faces({
      image: async (name, bytes) => {
        await zip.add(name, bytes, { compress: false });
        images++;
      },
      rows,
    });
    await zip.add('manifest.csv', [MANIFEST_COLUMNS.join(','), ...rows.manifest].join('\n') + '\n');
    for (const split of splits.map((s) => ARCHIVE_SPLITS[s])) {
      await zip.add(`${split}/metadata.csv`, [METADATA_COLUMNS.join(','), ...(rows.metadata.get(split) ?? [])].join('\n') + '\n');
    }

    progress.step = 'model';
    await run.onProgress?.(progress);
    const model = await promotedModel(db, run.modelsDir ?? config().modelsDir);
    if (model) {
      let entries: BundleEntry[] = [];
      try {
        entries = bundleEntries({ runId: model.runId, dir: model.dir, meta: model.meta }); // throws for a backbone this server lacks
      } catch (err) {
        modelNote = (err as Error).message;
      }
      for (const e of entries) await zip.add(`model/${e.name}`, Buffer.from(await e.read()));
      if (!modelNote) modelRun = model.runId;
    } else {
      modelNote = 'No model is promoted yet: the archive has no model/ folder.';
    }
    await zip.finish();
  } catch (err) {
    await zip.abort();
    throw err;
  }
  // After the archive is in place: nothing here may abort it.
  progress.step = 'done';
  await run.onProgress?.(progress);
  const { size } = fs.statSync(out);
  return { file: out, faces: images, bytes: size, model: modelRun, ...(modelNote ? { modelNote } : {}) };
}

export interface ExportRunOptions {
  store?: BlobStore;
  modelsDir?: string;
  /** Called after every face and once per step; throttle yourself. May throw to stop (cancel). */
  onProgress?: (p: ExportProgress) => Promise<void> | void;
}

/** Writes the archive to `zipFile` (complete or not at all) in this process: every face read here, in archive order. */
export async function exportDataset(
  db: Db,
  zipFile: string,
  input: ExportOptionsInput = {},
  run: ExportRunOptions = {},
): Promise<ExportResult & { file: string; options: ExportOptions }> {
  const options = exportOptionsSchema.parse(input);
  const blobs = run.store ?? defaultStore();
  const { where } = exportSelection(options);
  const progress: ExportProgress = { step: 'faces', done: 0, total: await db.face.count({ where }) };
  await run.onProgress?.(progress);
  const pages = facePages(where, (page) => db.face.findMany({ ...page, select: FACE_SELECT }));
  const r = await assembleArchive(db, zipFile, options, run, progress, (sink) =>
    writeFaces(pages, options, blobs, sink, async () => {
      progress.done++;
      progress.total = Math.max(progress.total, progress.done); // labelled meanwhile
      await run.onProgress?.(progress);
    }),
  );
  return { ...r, options };
}

/** The stored original of a photo, decoded upright and re-encoded as JPEG without metadata (the box's pixel space). */
async function wholePhotoJpeg(blobs: BlobStore, sha: string, photoId: string): Promise<Buffer> {
  const bytes = await blobs.get(originalKey(sha));
  if (!bytes) throw new Error(`the original of photo ${photoId} is missing from storage`);
  const rgb = await decodeOriginal(bytes);
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}
