/**
 * Classifying encoded images with a trained head, on the server: decode with sharp (EXIF-oriented), then the
 * shared `classifyImage` path the browser preview runs too. Used by `POST /api/predict` and the CLI's
 * `predict` / `evaluate`, so all three give the same answers. With the promoted model: `predictImage` in
 * ./promoted.ts.
 */
import { UserError } from '../errors';
import { config } from '../config';
import { decodeImage, ImageRejection, type Limits } from '../images';
import { BACKBONE_ID, backboneId, compatibleKindOf } from '../inference/backbone';
import { classifyImage, type FaceResult, type LoadedHead } from '../inference/classify';
import { backboneKindOf } from '../inference/backbone';
import type { ModelMeta } from '../inference/meta';
import { loadBackbone } from './backbone';
import { loadDetector } from './detector';
import { getTf, rgbTensor } from './tf';

/** Refuses a model trained on other features than this server computes (for its backbone kind). */
function checkBackbone(meta: Pick<ModelMeta, 'backbone' | 'backboneKind'>): void {
  const kind = backboneKindOf(meta);
  if (!compatibleKindOf(meta)) {
    throw new UserError(
      `The promoted model was trained on backbone ${meta.backbone}, this server computes ${backboneId(kind)}` +
        `${kind === 'faceres' ? '' : ` (or ${BACKBONE_ID})`}; retrain and promote a model.`,
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
  head: LoadedHead,
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
  // The accurate backbone's faceres-deep and gear too when the model's meta says so.
  const [detector, { faceres, extra }] = await Promise.all([loadDetector(), loadBackbone(backboneKindOf(head.meta))]);
  const tensor = rgbTensor(tf, image);
  try {
    const faces = await classifyImage(tf, { detector, faceres, extra, head: head.model, meta: head.meta }, tensor);
    return { width: image.width, height: image.height, faces };
  } finally {
    tensor.dispose();
  }
}
