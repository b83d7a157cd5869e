// Classifying photos with the promoted model: photo → detected/gated face crops → features →
// head (the CLI's `predict` and `evaluate`).
import fs from 'node:fs';
import path from 'node:path';
import { CLASSES, classIndex, type ClassName } from '../dataset/classes';
import { analysePhoto } from '../faces/pipeline';
import { describeCrops } from '../ml/features';
import type { Tf } from '../ml/head';
import { argmax, computeMetrics } from '../ml/metrics';
import type { Box } from '../ml/preprocess';
import { classifyPairs, type LoadedHead } from './classify';

export type FacePrediction = { box: Box; wholeImage: boolean; probs: Record<ClassName, number>; label: ClassName };

export async function predictPhoto(tf: Tf, head: LoadedHead, buffer: Buffer): Promise<FacePrediction[]> {
  const a = await analysePhoto(buffer);
  if (a.samples.length === 0) return [];
  const pairs = await describeCrops(
    a.samples.map((s) => s.cropJpeg),
    { mirror: head.meta.preprocessing.mirrorTta },
  );
  const probs = await classifyPairs(tf, head, pairs);
  return a.samples.map((s, i) => ({
    box: s.box,
    wholeImage: s.wholeImage,
    probs: Object.fromEntries(CLASSES.map((c, k) => [c, Number(probs[i][k].toFixed(6))])) as Record<ClassName, number>,
    label: CLASSES[argmax(probs[i])],
  }));
}

const IMAGE = /\.(jpe?g|png|webp|gif|avif|tiff?|heic|heif)$/i;

/** The image files of a file or folder (recursively, sorted). */
export function imageFiles(target: string): string[] {
  const st = fs.statSync(target, { throwIfNoEntry: false });
  if (!st) throw new Error(`${target} does not exist`);
  if (st.isFile()) return [target];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (IMAGE.test(e.name)) out.push(p);
    }
  };
  walk(target);
  return out;
}

/**
 * Scores the promoted model on an ImageFolder (`<dir>/<class>/*.jpg`). Each image's first
 * face sample is taken as the labelled face (ImageFolder images are single-face crops).
 */
export async function evaluateFolder(tf: Tf, head: LoadedHead, dir: string) {
  const items = CLASSES.flatMap((c) => {
    const d = path.join(dir, c);
    return fs.existsSync(d) ? imageFiles(d).map((file) => ({ file, label: c })) : [];
  });
  if (items.length === 0) throw new Error(`no images in ${dir}/<class>/ (classes: ${CLASSES.join(', ')})`);
  const y: number[] = [];
  const probs: Float32Array[] = [];
  const ids: string[] = [];
  let skipped = 0;
  for (const it of items) {
    const faces = await predictPhoto(tf, head, fs.readFileSync(it.file));
    if (faces.length === 0) {
      skipped++;
      continue;
    }
    y.push(classIndex(it.label));
    probs.push(Float32Array.from(CLASSES.map((c) => faces[0].probs[c])));
    ids.push(path.relative(dir, it.file));
  }
  const { predictions: _p, ...metrics } = computeMetrics(y, probs, ids);
  return { model: head.runId, images: items.length, skipped, ...metrics };
}
