/**
 * Classifying encoded images with a trained head, on the server: decode with sharp (EXIF-oriented), then the
 * shared `classifyImage` path the browser preview runs too. Used by `POST /api/predict` and the CLI's
 * `predict` / `evaluate`, so all three give the same answers.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Db } from '../db';
import { UserError } from '../auth/roles';
import { config } from '../config';
import { decodeImage, ImageRejection, type Limits } from '../images';
import { loadDetector } from '../faces/detect';
import { loadPromoted } from '../training/classify';
import { BACKBONE_ID, loadFaceres } from './backbone';
import { classifyImage, type FaceResult, type HeadMeta } from '../inference/classify';
import { getTf } from './tf';

export interface Prediction {
  model: { runId: string; classes: readonly string[] };
  width: number;
  height: number;
  faces: FaceResult[];
}

/** A loaded head: the registry's `loadPromoted` / `loadModel` give this. */
export interface HeadModel {
  model: TF.LayersModel;
  meta: Omit<HeadMeta, 'runId'>;
  runId: string;
}

/** Refuses a model trained on other features than this server computes. */
export function checkBackbone(meta: Pick<HeadMeta, 'backbone'>): void {
  if (meta.backbone !== BACKBONE_ID) {
    throw new UserError(
      `The promoted model was trained on backbone ${meta.backbone}, this server computes ${BACKBONE_ID}; retrain and promote a model.`,
      409,
    );
  }
}

/**
 * Every face of an encoded image with its class probabilities under `head`. The bytes go through
 * the upload decoder (`lib/images`): the same formats and limits as uploads, checked before any full
 * decode, and the same pixels the ingest pipeline and the training features see.
 * UserError 400 when the image is refused (with the decoder's reason), 413 when the file is too large.
 */
export async function classifyEncoded(
  head: HeadModel,
  input: Uint8Array,
  opts: Partial<Limits> = {},
): Promise<{ width: number; height: number; faces: FaceResult[] }> {
  checkBackbone(head.meta);
  const cfg = config();
  const limits: Limits = { maxUploadBytes: opts.maxUploadBytes ?? cfg.maxUploadBytes, maxPixels: opts.maxPixels ?? cfg.maxPixels };
  let image;
  try {
    image = (await decodeImage(Buffer.from(input.buffer, input.byteOffset, input.byteLength), limits)).rgb;
  } catch (err) {
    if (!(err instanceof ImageRejection)) throw err;
    throw new UserError(`Cannot decode image: ${err.message}`, input.byteLength > limits.maxUploadBytes ? 413 : 400);
  }
  const tf = await getTf();
  const [detector, faceres] = await Promise.all([loadDetector(), loadFaceres()]);
  const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const tensor = tf.tensor3d(data, [image.height, image.width, 3], 'int32');
  try {
    const meta: HeadMeta = { ...head.meta, runId: head.runId };
    const faces = await classifyImage(tf, { detector, faceres, head: head.model, meta }, tensor);
    return { width: image.width, height: image.height, faces };
  } finally {
    tensor.dispose();
  }
}

/**
 * Classifies every face of an encoded image with the promoted model (the `POST /api/predict` service).
 * UserError 409 when no model is promoted, 400 for an undecodable or too large image.
 */
export async function predictImage(db: Db, input: Uint8Array, opts: Partial<Limits> = {}): Promise<Prediction> {
  const head = await loadPromoted(db, await getTf());
  const out = await classifyEncoded(head, input, opts);
  return { model: { runId: head.runId, classes: head.meta.classes }, ...out };
}
