// Face features of the shared real data (../shared/data: facemask-dev + facemask-extra for training,
// age-dev and mask-dev for scoring generalisation) for the training benchmark, computed the way the
// app does (photo → first planned sample box → tensor crop + faceres, the inference crop path; plain
// and mirrored) and cached in .tmp/ per feature key and set, since embedding ~1,100 faces twice takes
// minutes here (the accurate backbone, faceres + faceres-deep + gear, has its own cache files).
// `npx tsx bench/train-data.ts [--backbone accurate] [--views]` fills the cache (all four sets; with --views also
// every augmented view of the training faces, lib/features/views.ts) without training.
import fs from 'node:fs';
import path from 'node:path';
import { analyseImage } from '../lib/faces/pipeline';
import { decodeOriginal, decodeVector, describeImageBoxes, encodeVector, featureKey, vectorDim } from '../lib/features/cache';
import { BACKBONE_CHOICES, type BackboneKind, DEFAULT_BACKBONE } from '../lib/inference/backbone';
import type { FeaturePair } from '../lib/inference/types';
import { CLASSES, type ClassName } from '../lib/classes';
import { describeViews, VIEW_NAMES, type ViewName } from '../lib/features/views';
import { DEFAULT_SEED } from '../lib/random';
import type { FeatureVector } from '../lib/inference/types';

/** ../shared/data next to the checkout, or MASKLAB_BENCH_DATA (a git worktree lives elsewhere). */
export const DATA_ROOT = process.env.MASKLAB_BENCH_DATA ?? path.resolve(__dirname, '..', '..', 'shared', 'data');
export type RealFace = { file: string; label: ClassName; source: string; pair: FeaturePair };
/** A face of a generalisation set: its folder (`young`/`old`, `mask`/`nomask`) and the manifest's recorded gender. */
export type SetFace = { file: string; folder: string; source: string; gender: 'male' | 'female' | null; pair: FeaturePair };

export const TRAIN_SETS = ['facemask-dev', 'facemask-extra'] as const;
export const GENERALISATION_SETS = { age: 'age-dev', mask: 'mask-dev' } as const;

/** Images in `<dir>/<folder>/` for the given folders, sorted. */
export function listFolders(dir: string, folders: readonly string[]): { file: string; folder: string }[] {
  return folders.flatMap((c) => {
    const d = path.join(dir, c);
    if (!fs.existsSync(d)) return [];
    return fs
      .readdirSync(d)
      .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
      .sort()
      .map((f) => ({ file: path.join(d, f), folder: c }));
  });
}

export function listImageFolder(dir: string): { file: string; label: ClassName }[] {
  return listFolders(dir, CLASSES).map((f) => ({ file: f.file, label: f.folder as ClassName }));
}

/** Features of the photo's first sample (these images are single-face crops), as training computes them. */
export async function photoFeatures(file: string, kind: BackboneKind = DEFAULT_BACKBONE): Promise<FeaturePair> {
  const image = await decodeOriginal(fs.readFileSync(file));
  const a = await analyseImage(image);
  if (a.samples.length === 0) throw new Error(`${file}: no sample`);
  return (await describeImageBoxes(image, [a.samples[0].box], kind))[0];
}

/** Cached plain + mirrored features of the files, in order (cache file per feature key and set). */
async function cachedPairs(name: string, files: readonly string[], log: (s: string) => void, kind: BackboneKind): Promise<FeaturePair[]> {
  if (files.length === 0) throw new Error(`no images under ${DATA_ROOT} (${name})`);
  const cacheDir = path.resolve(__dirname, '..', '.tmp');
  const cache = path.join(cacheDir, `bench-features-${featureKey(kind)}-${name}.bin`);
  const rec = vectorDim(kind) * 4 * 2;
  let buf: Buffer | null = fs.existsSync(cache) ? fs.readFileSync(cache) : null;
  if (!buf || buf.length !== rec * files.length) {
    log(`bench: embedding ${files.length} faces of ${name} (plain + mirrored), cached afterwards in ${path.relative(process.cwd(), cache)}`);
    const parts: Buffer[] = [];
    for (let i = 0; i < files.length; i++) {
      const p = await photoFeatures(files[i], kind);
      parts.push(Buffer.from(encodeVector(p.plain)), Buffer.from(encodeVector(p.mirrored!)));
      if (i % 50 === 49) log(`bench: ${name} ${i + 1}/${files.length}`);
    }
    buf = Buffer.concat(parts);
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(cache, buf);
  }
  const half = vectorDim(kind) * 4;
  return files.map((_, i) => ({
    plain: decodeVector(buf!.subarray(i * rec, i * rec + half), kind),
    mirrored: decodeVector(buf!.subarray(i * rec + half, (i + 1) * rec), kind),
  }));
}

/**
 * Augmented training views (lib/features/views.ts) of the training faces, computed as the train job does (the
 * photo's first planned sample box, each view's crop through the backbone) and cached in .tmp/ per feature key,
 * view, view seed and set. Fills `face.pair.views` in the order of `views`. Views of the generalisation sets are
 * never computed: they are never trained on.
 */
export async function attachViews(
  faces: readonly RealFace[],
  views: readonly ViewName[],
  seed: number,
  log = (s: string) => console.error(s),
  kind: BackboneKind = DEFAULT_BACKBONE,
): Promise<void> {
  const cacheDir = path.resolve(__dirname, '..', '.tmp');
  const rec = vectorDim(kind) * 4;
  const bySet = new Map<string, RealFace[]>();
  for (const f of faces) {
    const set = path.basename(path.dirname(path.dirname(f.file)));
    bySet.set(set, [...(bySet.get(set) ?? []), f]);
  }
  const got = new Map<RealFace, FeatureVector[]>();
  for (const [set, list] of bySet) {
    // The cache is per set in listing order: all of the set's files, so that subsets of faces share it.
    const files = listImageFolder(path.join(DATA_ROOT, set)).map((f) => f.file);
    const cacheOf = (v: ViewName) => path.join(cacheDir, `bench-views-${featureKey(kind)}-${v}@${seed}-${set}.bin`);
    const have = new Map<ViewName, Buffer>();
    for (const v of views) {
      const c = cacheOf(v);
      const buf = fs.existsSync(c) ? fs.readFileSync(c) : null;
      if (buf && buf.length === rec * files.length) have.set(v, buf);
    }
    const missing = views.filter((v) => !have.has(v));
    if (missing.length) {
      log(`bench: computing ${missing.length} view(s) (${missing.join(', ')}) of ${files.length} faces of ${set}, cached afterwards`);
      const parts = new Map<ViewName, Buffer[]>(missing.map((v) => [v, []]));
      for (let i = 0; i < files.length; i++) {
        const image = await decodeOriginal(fs.readFileSync(files[i]));
        const a = await analyseImage(image);
        if (a.samples.length === 0) throw new Error(`${files[i]}: no sample`);
        const [vecs] = await describeViews(image, [{ key: path.basename(files[i]), box: a.samples[0].box, views: missing }], seed, kind);
        missing.forEach((v, j) => parts.get(v)!.push(Buffer.from(encodeVector(vecs[j]))));
        if (i % 50 === 49) log(`bench: views of ${set} ${i + 1}/${files.length}`);
      }
      fs.mkdirSync(cacheDir, { recursive: true });
      for (const v of missing) {
        const buf = Buffer.concat(parts.get(v)!);
        fs.writeFileSync(cacheOf(v), buf);
        have.set(v, buf);
      }
    }
    const index = new Map(files.map((f, i) => [f, i]));
    for (const f of list) {
      const i = index.get(f.file)!;
      got.set(f, views.map((v) => decodeVector(have.get(v)!.subarray(i * rec, (i + 1) * rec), kind)));
    }
  }
  for (const f of faces) f.pair.views = got.get(f);
}

const sourceOf = (file: string) => path.basename(file).split('_')[0];

/** The training faces (dev + extra by default), with their class and source. */
export async function realFaces(
  sets: readonly string[] = TRAIN_SETS,
  log = (s: string) => console.error(s),
  kind: BackboneKind = DEFAULT_BACKBONE,
): Promise<RealFace[]> {
  const out: RealFace[] = [];
  for (const s of sets) {
    const files = listImageFolder(path.join(DATA_ROOT, s));
    const pairs = await cachedPairs(s, files.map((f) => f.file), log, kind);
    files.forEach((f, i) => out.push({ file: f.file, label: f.label, source: sourceOf(f.file), pair: pairs[i] }));
  }
  return out;
}

/** Recorded gender per file (relative `folder/name`) from a set's manifest.csv (`gender_if_known`). */
function manifestGender(dir: string): Map<string, 'male' | 'female'> {
  const out = new Map<string, 'male' | 'female'>();
  const file = path.join(dir, 'manifest.csv');
  if (!fs.existsSync(file)) return out;
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  const gi = cols.indexOf('gender_if_known');
  const fi = cols.indexOf('file');
  if (gi < 0 || fi < 0) return out;
  for (const l of lines) {
    const c = l.split(',');
    if (c[gi] === 'male' || c[gi] === 'female') out.set(c[fi], c[gi] as 'male' | 'female');
  }
  return out;
}

/** A generalisation set (`age-dev`: young/old; `mask-dev`: mask/nomask), never trained on. */
export async function setFaces(
  set: string,
  folders: readonly string[],
  log = (s: string) => console.error(s),
  kind: BackboneKind = DEFAULT_BACKBONE,
): Promise<SetFace[]> {
  const dir = path.join(DATA_ROOT, set);
  const files = listFolders(dir, folders);
  const pairs = await cachedPairs(set, files.map((f) => f.file), log, kind);
  const gender = manifestGender(dir);
  return files.map((f, i) => ({
    file: f.file,
    folder: f.folder,
    source: sourceOf(f.file),
    gender: gender.get(`${f.folder}/${path.basename(f.file)}`) ?? null,
    pair: pairs[i],
  }));
}

export const ageDev = (log?: (s: string) => void, kind?: BackboneKind) => setFaces(GENERALISATION_SETS.age, ['young', 'old'], log, kind);
export const maskDev = (log?: (s: string) => void, kind?: BackboneKind) => setFaces(GENERALISATION_SETS.mask, ['mask', 'nomask'], log, kind);

if (require.main === module) {
  (async () => {
    const t0 = Date.now();
    const kind: BackboneKind = process.argv.includes('accurate') ? BACKBONE_CHOICES.accurate : DEFAULT_BACKBONE;
    const train = await realFaces(TRAIN_SETS, undefined, kind);
    const age = await ageDev(undefined, kind);
    const mask = await maskDev(undefined, kind);
    if (process.argv.includes('--views')) await attachViews(train, VIEW_NAMES, DEFAULT_SEED, undefined, kind);
    console.error(`bench: features of ${train.length} + ${age.length} + ${mask.length} faces ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
