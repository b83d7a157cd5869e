/**
 * Server-side prediction with the promoted model (the `POST /api/predict` service): decode with sharp
 * (EXIF-oriented), then the shared `classifyImage` path the browser preview runs too.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Db } from '../db';
import { UserError } from '../auth/roles';
import { decodeImage } from '../faces/crop';
import { loadDetector } from '../faces/detect';
import { promotedModel, type PromotedModel } from '../models/promoted';
import { BACKBONE_ID, loadFaceres } from './backbone';
import { classifyImage, type FaceResult, type HeadMeta } from './classify';
import { readModelArtifacts } from './model-io';
import { getTf } from './tf';
import path from 'node:path';

export interface Prediction {
  model: { runId: string; classes: readonly string[] };
  width: number;
  height: number;
  faces: FaceResult[];
}

let cachedHead: { key: string; head: Promise<TF.LayersModel> } | null = null;

/** The promoted head (a TF.js layers model), loaded once per promoted run. */
async function loadHead(model: PromotedModel): Promise<TF.LayersModel> {
  const key = `${model.runId}:${model.dir}`;
  if (cachedHead?.key !== key) {
    const old = cachedHead?.head;
    const head = (async () => {
      const tf = await getTf();
      return tf.loadLayersModel(tf.io.fromMemory(await readModelArtifacts(path.join(model.dir, 'model.json'))));
    })();
    cachedHead = { key, head };
    head.catch(() => {
      if (cachedHead?.head === head) cachedHead = null;
    });
    void old?.then((m) => m.dispose(), () => undefined);
  }
  return cachedHead!.head;
}

/** Refuses a model trained on other features than this server computes. */
export function checkBackbone(meta: HeadMeta): void {
  if (meta.backbone !== BACKBONE_ID) {
    throw new UserError(
      `The promoted model was trained on backbone ${meta.backbone}, this server computes ${BACKBONE_ID}; retrain and promote a model.`,
      409,
    );
  }
}

/**
 * Classifies every face of an encoded image with the promoted model. UserError 409 when no model is
 * promoted, 400 when the image cannot be decoded or has more than `maxPixels` pixels.
 */
export async function predictImage(db: Db, modelsDir: string, input: Uint8Array, opts: { maxPixels: number }): Promise<Prediction> {
  const promoted = await promotedModel(db, modelsDir);
  if (!promoted) throw new UserError('No model is promoted yet: train one and promote it on the Training page.', 409);
  checkBackbone(promoted.meta);
  if (input.byteLength === 0) throw new UserError('The image is empty.', 400);
  let image;
  try {
    image = await decodeImage(input);
  } catch (err) {
    throw new UserError(`${(err as Error).message} (send a JPEG, PNG, WebP, AVIF, GIF or TIFF image)`, 400);
  }
  if (image.width * image.height > opts.maxPixels) {
    throw new UserError(`The image has ${image.width}x${image.height} pixels, more than the limit of ${opts.maxPixels}.`, 400);
  }
  const tf = await getTf();
  const [detector, faceres, head] = await Promise.all([loadDetector(), loadFaceres(), loadHead(promoted)]);
  const tensor = tf.tensor3d(new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength), [image.height, image.width, 3], 'int32');
  try {
    const faces = await classifyImage(tf, { detector, faceres, head, meta: promoted.meta }, tensor);
    return { model: { runId: promoted.runId, classes: promoted.meta.classes }, width: image.width, height: image.height, faces };
  } finally {
    tensor.dispose();
  }
}
