// Face features of the shared real data (../shared/data/facemask-dev + facemask-extra) for the
// training benchmark, computed the way the app does (photo → first planned sample box → tensor
// crop + faceres, the inference crop path; plain and mirrored) and cached in .tmp/ per feature
// key, since embedding 414 faces twice takes about a minute here.
import fs from 'node:fs';
import path from 'node:path';
import { analyseImage } from '../lib/faces/pipeline';
import { decodeOriginal, decodeVector, describeImageBoxes, encodeVector, FEATURE_KEY, VECTOR_DIM } from '../lib/training/features';
import type { FeaturePair } from '../lib/inference/types';
import { CLASSES, type ClassName } from '../lib/classes';

/** ../shared/data next to the checkout, or MASKLAB_BENCH_DATA (a git worktree lives elsewhere). */
export const DATA_ROOT = process.env.MASKLAB_BENCH_DATA ?? path.resolve(__dirname, '..', '..', 'shared', 'data');
export type RealFace = { file: string; label: ClassName; source: string; pair: FeaturePair };

export function listImageFolder(dir: string): { file: string; label: ClassName }[] {
  return CLASSES.flatMap((c) => {
    const d = path.join(dir, c);
    if (!fs.existsSync(d)) return [];
    return fs
      .readdirSync(d)
      .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
      .sort()
      .map((f) => ({ file: path.join(d, f), label: c }));
  });
}

/** Features of the photo's first sample (these images are single-face crops), as training computes them. */
export async function photoFeatures(file: string): Promise<FeaturePair> {
  const image = await decodeOriginal(fs.readFileSync(file));
  const a = await analyseImage(image);
  if (a.samples.length === 0) throw new Error(`${file}: no sample`);
  return (await describeImageBoxes(image, [a.samples[0].box]))[0];
}

export async function realFaces(sets = ['facemask-dev', 'facemask-extra'], log = (s: string) => console.error(s)): Promise<RealFace[]> {
  const files = sets.flatMap((s) => listImageFolder(path.join(DATA_ROOT, s)));
  if (files.length === 0) throw new Error(`no images under ${DATA_ROOT} (${sets.join(', ')})`);
  const cacheDir = path.resolve(__dirname, '..', '.tmp');
  const cache = path.join(cacheDir, `bench-features-${FEATURE_KEY}-${sets.join('+')}.bin`);
  const rec = VECTOR_DIM * 4 * 2;
  let buf: Buffer | null = fs.existsSync(cache) ? fs.readFileSync(cache) : null;
  if (!buf || buf.length !== rec * files.length) {
    log(`bench: embedding ${files.length} faces (plain + mirrored), cached afterwards in ${path.relative(process.cwd(), cache)}`);
    const parts: Buffer[] = [];
    for (let i = 0; i < files.length; i += 16) {
      for (const f of files.slice(i, i + 16)) {
        const p = await photoFeatures(f.file);
        parts.push(Buffer.from(encodeVector(p.plain)), Buffer.from(encodeVector(p.mirrored!)));
      }
      if (i % 96 === 0) log(`bench: ${Math.min(i + 16, files.length)}/${files.length}`);
    }
    buf = Buffer.concat(parts);
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(cache, buf);
  }
  const half = VECTOR_DIM * 4;
  return files.map((f, i) => ({
    file: f.file,
    label: f.label,
    source: path.basename(f.file).split('_')[0],
    pair: {
      plain: decodeVector(buf!.subarray(i * rec, i * rec + half)),
      mirrored: decodeVector(buf!.subarray(i * rec + half, (i + 1) * rec)),
    },
  }));
}
