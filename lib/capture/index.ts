// The live preview's capture: the current camera frame goes into the dataset through the one ingest pipeline
// (source "camera", unlabelled), and each of its faces gets the promoted model's suggestion at once
// (`suggestFaces`, as the suggest job stores them), so the faces the model gets wrong in the room reach the
// Label desk (least confident first) and become training data.
import type { Db } from '../db';
import { type IngestOptions, ingestPhoto } from '../dataset/ingest';
import { queueSuggest } from '../suggest/queue';
import { suggestFaces } from '../suggest/job';

export type CapturedFace = {
  id: string;
  box: { x: number; y: number; w: number; h: number };
  wholeImage: boolean;
  /** The promoted model's class and confidence for the face; null when none could be computed now. */
  suggestion: { label: string; confidence: number; runId: string } | null;
};

export type CaptureResult =
  | { status: 'added'; photoId: string; faces: CapturedFace[]; note?: string }
  | { status: 'duplicate'; photoId: string; reason: string }
  | { status: 'rejected'; reason: string };

export async function captureFrame(db: Db, ingest: IngestOptions, input: { bytes: Buffer; name: string; uploaderId: string }): Promise<CaptureResult> {
  const r = await ingestPhoto(db, ingest, { bytes: input.bytes, name: input.name, source: 'camera', uploaderId: input.uploaderId });
  if (r.status === 'rejected') return { status: 'rejected', reason: r.reason };
  if (r.status === 'duplicate') return { status: 'duplicate', photoId: r.photoId, reason: r.reason };
  const rows = await db.face.findMany({ where: { photoId: r.photoId }, orderBy: { index: 'asc' }, select: { id: true, x: true, y: true, w: true, h: true, wholeImage: true } });
  let suggestions = new Map<string, CapturedFace['suggestion']>();
  let note: string | undefined;
  try {
    suggestions = await suggestFaces(db, rows.map((f) => f.id), { store: ingest.store });
  } catch (err) {
    // The photo is stored either way; the suggest job (worker) gives its faces suggestions later.
    const queued = await queueSuggest(db, { createdById: input.uploaderId, ifPromoted: true }).catch((e: Error) => {
      console.error(`masklab: queueing suggestions: ${e.message}`);
      return null;
    });
    note = queued
      ? `The model's suggestions will follow from the background worker: ${(err as Error).message}`
      : `No suggestions: ${(err as Error).message}`;
  }
  return {
    status: 'added',
    photoId: r.photoId,
    faces: rows.map((f) => ({ id: f.id, box: { x: f.x, y: f.y, w: f.w, h: f.h }, wholeImage: f.wholeImage, suggestion: suggestions.get(f.id) ?? null })),
    ...(note ? { note } : {}),
  };
}
