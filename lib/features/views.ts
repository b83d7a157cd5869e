// Augmented training views of a face crop (issue #23: "learn more from each label"). Each view is the face's
// crop changed the way photos from another source differ: lower resolution, blur, JPEG re-encoding, colour and
// brightness, a slightly shifted or scaled box, and mirrored or not. A view's random parameters come from
// (view seed, face key, view name) only, so a view is the same every time it is computed (deterministic for a
// seed) and is cached like the plain and mirrored vectors: a Feature row under `viewKey(kind, view, seed)`
// (mirrored = false). Views are computed for training only, in the train job (the worker), for the faces of
// the train split; never at ingest, never for the validation or test split or an evaluation set.
// Pixels: the crop is cut and resized to 224 by `cropsToBackboneInput` (the inference crop path), changed
// here, and goes through the backbone with `describeCrops`, like the plain crop.
import type * as TF from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { RgbImage } from '../images';
import { type BackboneKind, DEFAULT_BACKBONE } from '../inference/backbone';
import { describeCrops } from '../inference/classify';
import { BACKBONE_INPUT_SIZE, type Box, cropsToBackboneInput } from '../inference/preprocess';
import { VIEW_NAMES, type ViewName } from '../inference/meta';
import type { FeatureVector, Tf } from '../inference/types';
import { loadBackbone } from '../models/backbone';
import { getTf, rgbTensor } from '../models/tf';
import { chunks, type Db } from '../db';
import { DEFAULT_SEED, prng } from '../random';
import { type BlobStore, originalKey, store as defaultStore } from '../storage';
import { decodeOriginal, decodeVector, encodeVector, featureKey, writeFeatures } from './cache';

/**
 * The views: one change each (`lowres`: down to 20–56 px and back up; `blur`: Gaussian σ 1–3 px at 224;
 * `jpeg`: re-encoded at quality 8–35; `colour`: per-channel gain, brightness, contrast, saturation; `shift`: the box
 * moved by up to 8% and scaled 0.9–1.15), and `mix1`…`mix4`: a shifted box, colour, and one or two of
 * lowres / blur / jpeg. Every view is mirrored or not at random.
 */
export { VIEW_NAMES, type ViewName } from '../inference/meta';
export const isViewName = (s: string): s is ViewName => (VIEW_NAMES as readonly string[]).includes(s);

/** What a view does to a crop. Null steps are skipped; the order is box → lowres → blur → colour → jpeg → mirror. */
export type ViewParams = {
  box: { dx: number; dy: number; scale: number } | null;
  lowres: number | null;
  blur: number | null;
  colour: { gain: [number, number, number]; brightness: number; contrast: number; saturation: number } | null;
  jpeg: number | null;
  mirror: boolean;
};

/** FNV-1a of a string: the seed of one face's view. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The parameters of view `view` of the face `faceKey` (its id; the bench: its file name) for a seed. Pure. */
export function viewParams(view: ViewName, seed: number, faceKey: string): ViewParams {
  const rand = prng(hash(`${seed}|${faceKey}|${view}`));
  const u = (a: number, b: number) => a + (b - a) * rand();
  const p: ViewParams = { box: null, lowres: null, blur: null, colour: null, jpeg: null, mirror: rand() < 0.5 };
  const box = () => ({ dx: u(-0.08, 0.08), dy: u(-0.08, 0.08), scale: u(0.9, 1.15) });
  const colour = () => ({
    gain: [u(0.85, 1.15), u(0.85, 1.15), u(0.85, 1.15)] as [number, number, number],
    brightness: u(0.65, 1.35),
    contrast: u(0.7, 1.3),
    saturation: u(0.5, 1.4),
  });
  const lowres = () => Math.round(u(20, 56));
  const blur = () => u(1, 3);
  const jpeg = () => Math.round(u(8, 35));
  switch (view) {
    case 'lowres':
      return { ...p, lowres: lowres() };
    case 'blur':
      return { ...p, blur: blur() };
    case 'jpeg':
      return { ...p, jpeg: jpeg() };
    case 'colour':
      return { ...p, colour: colour() };
    case 'shift':
      return { ...p, box: box() };
    default: {
      // mixN: box + colour + one of the three degradations, sometimes two.
      const out: ViewParams = { ...p, box: box(), colour: colour() };
      const first = Math.floor(rand() * 3);
      const second = rand() < 0.35 ? (first + 1 + Math.floor(rand() * 2)) % 3 : -1;
      for (const k of [first, second]) {
        if (k === 0) out.lowres = lowres();
        if (k === 1) out.blur = blur();
        if (k === 2) out.jpeg = jpeg();
      }
      return out;
    }
  }
}

/** A face box moved and scaled (about its centre) by `shift`, kept inside the image. */
export function shiftedBox(b: Box, shift: ViewParams['box'], width: number, height: number): Box {
  if (!shift) return b;
  const w = Math.min(width, Math.max(2, b.w * shift.scale));
  const h = Math.min(height, Math.max(2, b.h * shift.scale));
  const cx = b.x + b.w / 2 + shift.dx * b.w;
  const cy = b.y + b.h / 2 + shift.dy * b.h;
  const x = Math.min(Math.max(0, cx - w / 2), width - w);
  const y = Math.min(Math.max(0, cy - h / 2), height - h);
  return { x: Math.floor(x), y: Math.floor(y), w: Math.floor(w), h: Math.floor(h) };
}

/** A separable Gaussian blur of a [1, h, w, 3] batch (edges reflected). */
function gaussianBlur(tf: Tf, x: TF.Tensor4D, sigma: number): TF.Tensor4D {
  return tf.tidy(() => {
    const r = Math.max(1, Math.ceil(2.5 * sigma));
    const g = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
    const sum = g.reduce((a, b) => a + b, 0);
    const k = g.map((v) => v / sum);
    const kx = tf.tensor4d(k.flatMap((v) => [v, v, v]), [1, 2 * r + 1, 3, 1]);
    const ky = tf.tensor4d(k.flatMap((v) => [v, v, v]), [2 * r + 1, 1, 3, 1]);
    const padded = tf.mirrorPad(x, [[0, 0], [r, r], [r, r], [0, 0]], 'reflect');
    const h = tf.depthwiseConv2d(padded, kx, 1, 'valid');
    return tf.depthwiseConv2d(h, ky, 1, 'valid') as TF.Tensor4D;
  });
}

function colourJitter(tf: Tf, x: TF.Tensor4D, c: NonNullable<ViewParams['colour']>): TF.Tensor4D {
  return tf.tidy(() => {
    let y = tf.mul(x, tf.tensor1d(c.gain.map((g) => g * c.brightness))) as TF.Tensor4D;
    const mean = tf.mean(y);
    y = tf.add(tf.mul(tf.sub(y, mean), c.contrast), mean) as TF.Tensor4D;
    const gray = tf.mean(y, 3, true);
    y = tf.add(gray, tf.mul(tf.sub(y, gray), c.saturation)) as TF.Tensor4D;
    return tf.clipByValue(y, 0, 255) as TF.Tensor4D;
  });
}

/** JPEG re-encoding at `quality` (sharp, deterministic) of a [1, 224, 224, 3] batch in 0..255. */
async function jpegRoundTrip(tf: Tf, x: TF.Tensor4D, quality: number): Promise<TF.Tensor4D> {
  const s = BACKBONE_INPUT_SIZE;
  const px = Uint8Array.from(await x.data(), (v) => Math.max(0, Math.min(255, Math.round(v))));
  const jpg = await sharp(px, { raw: { width: s, height: s, channels: 3 } }).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  const back = await sharp(jpg).removeAlpha().raw().toBuffer();
  return tf.tensor4d(new Float32Array(back), [1, s, s, 3]);
}

/** One view's crop: the (shifted) box's backbone input, changed by the view's steps. [1, 224, 224, 3]. */
export async function viewCrop(tf: Tf, image: TF.Tensor3D, box: Box, p: ViewParams): Promise<TF.Tensor4D> {
  const [height, width] = image.shape;
  let x = cropsToBackboneInput(tf, image, [shiftedBox(box, p.box, width, height)]);
  const step = (f: (t: TF.Tensor4D) => TF.Tensor4D) => {
    const y = f(x);
    x.dispose();
    x = y;
  };
  const s = BACKBONE_INPUT_SIZE;
  if (p.lowres) step((t) => tf.tidy(() => tf.image.resizeBilinear(tf.image.resizeBilinear(t, [p.lowres!, p.lowres!], false, true), [s, s], false, true)));
  if (p.blur) step((t) => gaussianBlur(tf, t, p.blur!));
  if (p.colour) step((t) => colourJitter(tf, t, p.colour!));
  if (p.jpeg) {
    const y = await jpegRoundTrip(tf, x, p.jpeg);
    x.dispose();
    x = y;
  }
  if (p.mirror) step((t) => tf.reverse(t, 2));
  return x;
}

/**
 * The views of faces of one decoded photo: for each face (its box and key), one vector per view name, in order.
 * All crops of the photo go through the backbone in one batch.
 */
export async function describeViews(
  image: RgbImage,
  faces: readonly { key: string; box: Box; views: readonly ViewName[] }[],
  seed: number,
  kind: BackboneKind = DEFAULT_BACKBONE,
): Promise<FeatureVector[][]> {
  const tf = await getTf();
  const { faceres, extra } = await loadBackbone(kind);
  const tensor = rgbTensor(tf, image);
  const crops: TF.Tensor4D[] = [];
  try {
    for (const f of faces) for (const v of f.views) crops.push(await viewCrop(tf, tensor, f.box, viewParams(v, seed, f.key)));
    if (crops.length === 0) return faces.map(() => []);
    const batch = tf.concat(crops, 0);
    let vectors: FeatureVector[];
    try {
      vectors = await describeCrops(tf, faceres, batch, extra);
    } finally {
      batch.dispose();
    }
    let i = 0;
    return faces.map((f) => f.views.map(() => vectors[i++]));
  } finally {
    tensor.dispose();
    tf.dispose(crops);
  }
}

/** What `Feature.backbone` holds for a view: the backbone's feature key, the view and its seed (mirrored = false). */
export const viewKey = (kind: BackboneKind, view: ViewName, seed: number = DEFAULT_SEED): string => `${featureKey(kind)}+view:${view}@${seed}`;

/** The faces of `faceIds` that lack a cached vector of one of `views` (seed, backbone), with the views they lack, in order. */
export async function viewsLacking(
  db: Db,
  faceIds: readonly string[],
  views: readonly ViewName[],
  opts: { seed?: number; kind?: BackboneKind } = {},
): Promise<Map<string, ViewName[]>> {
  const kind = opts.kind ?? DEFAULT_BACKBONE;
  const seed = opts.seed ?? DEFAULT_SEED;
  const keys = views.map((v) => viewKey(kind, v, seed));
  const have = new Set<string>();
  for (const ids of chunks(faceIds)) {
    const rows = await db.feature.findMany({ where: { faceId: { in: ids }, backbone: { in: keys } }, select: { faceId: true, backbone: true } });
    for (const r of rows) have.add(`${r.faceId}|${r.backbone}`);
  }
  const out = new Map<string, ViewName[]>();
  for (const id of faceIds) {
    const missing = views.filter((v, i) => !have.has(`${id}|${keys[i]}`));
    if (missing.length) out.set(id, missing);
  }
  return out;
}

/**
 * Makes sure every face in `faceIds` has a cached vector for each of `views` (seed `seed`, backbone `kind`); computes
 * only the missing ones, photo by photo (each original decoded once, all its faces' views in one backbone batch).
 */
export async function ensureViews(
  db: Db,
  faceIds: readonly string[],
  opts: { views: readonly ViewName[]; seed?: number; kind?: BackboneKind; store?: BlobStore; batch?: number; onProgress?: (done: number, total: number) => Promise<void> | void },
): Promise<{ computed: number; cached: number }> {
  const kind = opts.kind ?? DEFAULT_BACKBONE;
  const seed = opts.seed ?? DEFAULT_SEED;
  const keys = new Set(opts.views.map((v) => viewKey(kind, v, seed)));
  if (keys.size === 0 || faceIds.length === 0) return { computed: 0, cached: faceIds.length * keys.size };
  const lacking = await viewsLacking(db, faceIds, opts.views, { seed, kind });
  const missingOf = (id: string) => lacking.get(id) ?? [];
  const todo = [...lacking.keys()];
  const photos = new Map<string, { sha256: string; width: number; height: number; faces: { key: string; box: Box; views: ViewName[] }[] }>();
  for (const ids of chunks(todo)) {
    const faces = await db.face.findMany({
      where: { id: { in: ids } },
      select: { id: true, x: true, y: true, w: true, h: true, photo: { select: { id: true, sha256: true, width: true, height: true } } },
    });
    for (const f of faces) {
      const p = photos.get(f.photo.id) ?? { sha256: f.photo.sha256, width: f.photo.width, height: f.photo.height, faces: [] };
      p.faces.push({ key: f.id, box: { x: f.x, y: f.y, w: f.w, h: f.h }, views: missingOf(f.id) });
      photos.set(f.photo.id, p);
    }
  }
  const blobs = opts.store ?? defaultStore();
  let done = 0;
  let computed = 0;
  let pending: { faceId: string; backbone: string; mirrored: boolean; vector: Uint8Array }[] = [];
  let pendingFaces = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    pending.sort((a, b) => (a.faceId < b.faceId ? -1 : a.faceId > b.faceId ? 1 : a.backbone < b.backbone ? -1 : 1));
    await db.$transaction(writeFeatures(db, pending));
    done += pendingFaces;
    pending = [];
    pendingFaces = 0;
    await opts.onProgress?.(done, todo.length);
  };
  for (const photo of photos.values()) {
    const bytes = await blobs.get(originalKey(photo.sha256));
    if (!bytes) throw new Error(`the original of photo ${photo.sha256} is missing from storage`);
    const image = await decodeOriginal(bytes);
    const vectors = await describeViews(image, photo.faces, seed, kind);
    photo.faces.forEach((f, i) =>
      f.views.forEach((v, j) => {
        pending.push({ faceId: f.key, backbone: viewKey(kind, v, seed), mirrored: false, vector: encodeVector(vectors[i][j]) });
        computed++;
      }),
    );
    pendingFaces += photo.faces.length;
    if (pendingFaces >= (opts.batch ?? 16)) await flush();
  }
  await flush();
  return { computed, cached: faceIds.length * keys.size - computed };
}

/** The cached views of the faces, in the order of `views` (a face lacking one has a shorter list). */
export async function loadViews(
  db: Db,
  faceIds: readonly string[],
  views: readonly ViewName[],
  opts: { seed?: number; kind?: BackboneKind } = {},
): Promise<Map<string, FeatureVector[]>> {
  const kind = opts.kind ?? DEFAULT_BACKBONE;
  const order = new Map(views.map((v, i) => [viewKey(kind, v, opts.seed ?? DEFAULT_SEED), i]));
  const got = new Map<string, { i: number; v: FeatureVector }[]>();
  for (const ids of chunks(faceIds)) {
    const rows = await db.feature.findMany({ where: { faceId: { in: ids }, backbone: { in: [...order.keys()] }, mirrored: false } });
    for (const r of rows) got.set(r.faceId, [...(got.get(r.faceId) ?? []), { i: order.get(r.backbone)!, v: decodeVector(r.vector, kind) }]);
  }
  return new Map([...got].map(([id, xs]) => [id, xs.sort((a, b) => a.i - b.i).map((x) => x.v)]));
}
