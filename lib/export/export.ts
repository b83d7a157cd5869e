// The dataset export (the `export` job of the Training page and `GET /api/export`, and the CLI's `export`:
// one function, one archive):
//   train/ val/ test/ <class>/<face id>.jpg   ImageFolder by split (the Ultralytics / torchvision names)
//   manifest.csv                              one row per face: file, face, photo, original_file, box, label,
//                                             split, labeller, time (cells escaped against CSV injection)
//   model/                                    the promoted model as a bundle that runs without masklab
//                                             (lib/models/bundle.ts), when a model is promoted
// Faces without a split yet (labelled since the last retrain) and evaluation-set faces are not exported.
// Streamed into a ZIP64 archive through a temporary file that is renamed when complete (lib/export/zip-out.ts).
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

export const MANIFEST_COLUMNS = ['file', 'face', 'photo', 'original_file', 'box', 'label', 'split', 'labeller', 'time'] as const;

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

export interface ExportRunOptions {
  store?: BlobStore;
  modelsDir?: string;
  /** Called after every face and once per step; throttle yourself. May throw to stop (cancel). */
  onProgress?: (p: ExportProgress) => Promise<void> | void;
}

/** Writes the archive to `zipFile` (complete or not at all). */
export async function exportDataset(
  db: Db,
  zipFile: string,
  input: ExportOptionsInput = {},
  run: ExportRunOptions = {},
): Promise<ExportResult & { file: string; options: ExportOptions }> {
  const options = exportOptionsSchema.parse(input);
  const blobs = run.store ?? defaultStore();
  const out = path.resolve(zipFile);
  const splits = (Object.keys(ARCHIVE_SPLITS) as (keyof typeof ARCHIVE_SPLITS)[]).filter((s) => options.split === 'all' || ARCHIVE_SPLITS[s] === options.split);
  const where: Prisma.FaceWhereInput = { label: { in: [...options.classes] }, split: { in: splits }, photo: { evalSetId: null } };
  const total = await db.face.count({ where });
  const progress: ExportProgress = { step: 'faces', done: 0, total };
  await run.onProgress?.(progress);
  const zip = new ZipOut(out);
  let modelRun: string | null = null;
  let modelNote: string | undefined;
  try {
    const rows = [MANIFEST_COLUMNS.join(',')];
    let lastPhoto = null as { id: string; jpeg: Buffer } | null;
    // Keyset paging on the sort order (a Prisma cursor on a face deleted meanwhile would end the loop early).
    let after: { photoId: string; id: string } | null = null;
    for (;;) {
      const page: Prisma.FaceWhereInput = after ? { AND: [where, { OR: [{ photoId: { gt: after.photoId } }, { photoId: after.photoId, id: { gt: after.id } }] }] } : where;
      const faces = await db.face.findMany({
        where: page,
        select: {
          id: true,
          index: true,
          label: true,
          split: true,
          x: true,
          y: true,
          w: true,
          h: true,
          labelledAt: true,
          labelledBy: { select: { email: true } },
          photo: { select: { id: true, sha256: true, originalName: true } },
        },
        orderBy: [{ photoId: 'asc' }, { id: 'asc' }],
        take: PAGE,
      });
      if (faces.length === 0) break;
      after = { photoId: faces[faces.length - 1].photo.id, id: faces[faces.length - 1].id };
      for (const f of faces) {
        const split = ARCHIVE_SPLITS[f.split as keyof typeof ARCHIVE_SPLITS];
        const file = `${split}/${f.label}/${f.id}.jpg`;
        let bytes: Buffer;
        if (options.content === 'crops') {
          bytes = await readCrop({ faceId: f.id, photoSha: f.photo.sha256, index: f.index }, blobs);
        } else {
          if (lastPhoto?.id !== f.photo.id) lastPhoto = { id: f.photo.id, jpeg: await wholePhotoJpeg(blobs, f.photo.sha256, f.photo.id) };
          bytes = lastPhoto.jpeg;
        }
        await zip.add(file, bytes, { compress: false });
        rows.push(
          csvRow([
            file,
            f.id,
            f.photo.id,
            f.photo.originalName,
            [f.x, f.y, f.w, f.h].map(num).join(' '),
            f.label,
            split,
            f.labelledBy?.email ?? '',
            f.labelledAt?.toISOString() ?? '',
          ]),
        );
        progress.done++;
        progress.total = Math.max(progress.total, progress.done); // labelled meanwhile
        await run.onProgress?.(progress);
      }
    }
    await zip.add('manifest.csv', rows.join('\n') + '\n');

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
  return { file: out, options, faces: progress.done, bytes: size, model: modelRun, ...(modelNote ? { modelNote } : {}) };
}

/** The stored original of a photo, decoded upright and re-encoded as JPEG without metadata (the box's pixel space). */
async function wholePhotoJpeg(blobs: BlobStore, sha: string, photoId: string): Promise<Buffer> {
  const bytes = await blobs.get(originalKey(sha));
  if (!bytes) throw new Error(`the original of photo ${photoId} is missing from storage`);
  const rgb = await decodeOriginal(bytes);
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}
