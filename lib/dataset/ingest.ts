// The one pipeline for uploads, imports and camera frames: check, decode, find faces, store the
// photo and its face samples. Files are written first and the rows in one transaction after; if
// the transaction fails the files are removed again, so there is never a row without its files
// nor (short of a crash, see `checkStorage`) files without their row.
import crypto from 'node:crypto';
import { config } from '../config';
import { type Db, isUniqueViolation } from '../db';
import { checkSize, decodeImage, deriveImages, ImageRejection, type Limits, type RgbImage } from '../images';
import { type BlobStore, displayKey, faceKey, originalKey, thumbKey, store as defaultStore } from '../storage';
import type { Label } from '../classes';
import { nearestFace } from './group';
import type { AttrLabel } from './eval-sets';

export type IngestSource = 'upload' | 'import' | 'camera';

export type Sample = {
  box: { x: number; y: number; w: number; h: number };
  wholeImage: boolean;
  score: number | null;
  cropJpeg: Buffer;
  phash: string;
};
/** Faces of a decoded photo (the ML core's `analyseImage`). */
export type Analyser = (rgb: RgbImage) => Promise<{ width: number; height: number; samples: Sample[] }>;

export type IngestOptions = {
  store: BlobStore;
  limits: Limits;
  /** Max pHash distance (bits) for two faces to be grouped as near-duplicates. */
  duplicateFaceDistance: number;
  analyse: Analyser;
};

export type IngestInput = {
  bytes: Buffer;
  /** The name the user knows the file by (a path inside a folder or zip is fine). */
  name: string;
  source: IngestSource;
  uploaderId: string;
  /** Applied to every sample of the photo, recorded as a LabelEvent by the uploader. */
  label?: Label | null;
  /** The import batch (folder, zip or tag name): Photo.batch. */
  batch?: string | null;
  /** An evaluation set's photo (lib/dataset/eval-sets.ts): Photo.evalSetId. */
  evalSetId?: string | null;
  /** Evaluation sets only: one attribute for every sample (Face.attrLabel), the label staying null. */
  attrLabel?: AttrLabel | null;
};

export type IngestResult =
  | { file: string; status: 'added'; photoId: string; faces: number; wholeImage: boolean; grouped: number }
  | { file: string; status: 'duplicate'; photoId: string; reason: string }
  | { file: string; status: 'rejected'; reason: string };

/**
 * The ML core's face analysis (blazeface + crop rule + crop/pHash), on a model thread (lib/faces/threads.ts:
 * the web process's event loop never waits on detection), loaded on first use.
 */
export const analyseFaces: Analyser = async (rgb) => {
  const { analyseOffThread } = await import('../faces/threads');
  return analyseOffThread(rgb);
};

/** Options from the process configuration and the default store and face detector. */
export function defaultIngestOptions(): IngestOptions {
  const c = config();
  return {
    store: defaultStore(),
    limits: { maxUploadBytes: c.maxUploadBytes, maxPixels: c.maxPixels },
    duplicateFaceDistance: c.duplicateFaceDistance,
    analyse: analyseFaces,
  };
}

// One ingest per sha256 at a time in this process, so two copies of a file sent together
// become one photo and one "duplicate" rather than a unique-constraint failure.
const inFlight = new Map<string, Promise<unknown>>();
async function withShaLock<T>(sha: string, fn: () => Promise<T>): Promise<T> {
  while (inFlight.has(sha)) await inFlight.get(sha)!.catch(() => {});
  const p = fn();
  inFlight.set(sha, p);
  try {
    return await p;
  } finally {
    inFlight.delete(sha);
  }
}

async function duplicateOf(db: Db, sha: string) {
  return db.photo.findUnique({ where: { sha256: sha }, select: { id: true, originalName: true } });
}

const dupResult = (file: string, p: { id: string; originalName: string }): IngestResult => ({
  file,
  status: 'duplicate',
  photoId: p.id,
  reason: `duplicate of ${p.originalName} (photo ${p.id})`,
});

const turns = { running: 0, waiting: [] as (() => void)[] };

/** Waits for a free ingest slot (MASKLAB_INGEST_CONCURRENCY per process); resolves with its release. */
async function ingestTurn(): Promise<() => void> {
  if (turns.running >= config().ingestConcurrency) await new Promise<void>((r) => turns.waiting.push(r));
  else turns.running++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = turns.waiting.shift();
    if (next) next(); // the slot passes on
    else turns.running--;
  };
}

export async function ingestPhoto(db: Db, opts: IngestOptions, input: IngestInput): Promise<IngestResult> {
  const file = input.name;
  try {
    checkSize(input.bytes.length, opts.limits);
  } catch (err) {
    return { file, status: 'rejected', reason: (err as Error).message };
  }
  const sha = crypto.createHash('sha256').update(input.bytes).digest('hex');
  return withShaLock(sha, async () => {
    const existing = await duplicateOf(db, sha);
    if (existing) return dupResult(file, existing);

    // Decoding, detection and the derived images take a core each while they run: at most
    // MASKLAB_INGEST_CONCURRENCY photos at once, so that a burst of uploads leaves a core for the
    // requests that only touch the database (a label save waits on no photo).
    const heavy = await ingestTurn();
    let decoded;
    let analysis;
    let derived;
    try {
      try {
        decoded = await decodeImage(input.bytes, opts.limits);
      } catch (err) {
        if (err instanceof ImageRejection) return { file, status: 'rejected', reason: err.message };
        throw err;
      }
      [analysis, derived] = await Promise.all([opts.analyse(decoded.rgb), deriveImages(decoded.rgb)]);
    } finally {
      heavy();
    }
    const samples = analysis.samples;
    if (samples.length === 0) throw new Error(`face analysis of ${file} returned no sample`);

    const blobs: Array<[string, Buffer]> = [
      [originalKey(sha), input.bytes],
      [displayKey(sha), derived.display],
      [thumbKey(sha), derived.thumb],
      ...samples.map((s, i): [string, Buffer] => [faceKey(sha, i), s.cropJpeg]),
    ];
    const written: string[] = [];
    try {
      for (const [key, data] of blobs) {
        await opts.store.put(key, data);
        written.push(key);
      }
      const matches = await Promise.all(samples.map((s) => nearestFace(db, s.phash, opts.duplicateFaceDistance)));
      const now = new Date();
      const photo = await db.$transaction(async (tx) => {
        const photo = await tx.photo.create({
          data: {
            sha256: sha,
            uploaderId: input.uploaderId,
            source: input.source,
            originalName: file.slice(0, 500),
            format: decoded.format,
            width: decoded.width,
            height: decoded.height,
            bytes: input.bytes.length,
            batch: input.batch ?? null,
            evalSetId: input.evalSetId ?? null,
            nextFaceIndex: samples.length,
          },
        });
        for (const [i, s] of samples.entries()) {
          const m = matches[i];
          let groupId: string | null = null;
          if (m) {
            groupId = m.groupId ?? m.id;
            if (!m.groupId) await tx.face.updateMany({ where: { id: m.id, groupId: null }, data: { groupId: m.id } });
          }
          const face = await tx.face.create({
            data: {
              photoId: photo.id,
              index: i,
              x: s.box.x,
              y: s.box.y,
              w: s.box.w,
              h: s.box.h,
              score: s.score,
              wholeImage: s.wholeImage,
              phash: s.phash,
              groupId,
              ...(input.label ? { label: input.label, labelledById: input.uploaderId, labelledAt: now } : {}),
              ...(input.attrLabel && !input.label ? { attrLabel: input.attrLabel } : {}),
            },
          });
          if (input.label) {
            await tx.labelEvent.create({
              data: {
                faceId: face.id,
                photoId: face.photoId,
                userId: input.uploaderId,
                oldLabel: null,
                newLabel: input.label,
                kind: input.source === 'import' ? 'import' : 'label',
                createdAt: now,
              },
            });
          }
        }
        return photo;
      });
      return {
        file,
        status: 'added',
        photoId: photo.id,
        faces: samples.length,
        wholeImage: samples.length === 1 && samples[0].wholeImage,
        grouped: matches.filter(Boolean).length,
      };
    } catch (err) {
      if (isUniqueViolation(err)) {
        // Another process stored the same bytes meanwhile: its row owns these (identical) files.
        const other = await duplicateOf(db, sha);
        if (other) return dupResult(file, other);
      }
      await Promise.all(written.map((k) => opts.store.delete(k).catch(() => {})));
      throw err;
    }
  });
}

/** Ingests and turns unexpected failures into a rejected result (logged), so one bad file never stops a batch. */
export async function ingestSafely(db: Db, opts: IngestOptions, input: IngestInput): Promise<IngestResult> {
  try {
    return await ingestPhoto(db, opts, input);
  } catch (err) {
    console.error(`ingest of ${input.name} failed:`, err);
    return { file: input.name, status: 'rejected', reason: `could not be stored: ${(err as Error).message ?? err}` };
  }
}
