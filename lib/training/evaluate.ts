// Classifying photos with a trained head (the CLI's `predict` and `evaluate`): the server's inference path
// (lib/models/serve.ts -> lib/inference/classify.ts), as the predict API and the browser preview use.
import fs from 'node:fs';
import path from 'node:path';
import { CLASSES, classIndex, type ClassName } from '../classes';
import type { LoadedHead } from '../inference/classify';
import type { Box } from '../inference/preprocess';
import { classifyEncoded } from '../models/serve';
import { computeMetrics } from './metrics';

export type FacePrediction = { box: Box; wholeImage: boolean; probs: Record<ClassName, number>; label: ClassName };

/**
 * Every face of a photo classified by `head`, through the same path as the predict API and the browser
 * preview (lib/models/serve.ts -> lib/inference/classify.ts), so all three agree.
 */
export async function predictPhoto(head: LoadedHead, buffer: Buffer): Promise<FacePrediction[]> {
  const { faces } = await classifyEncoded(head, buffer);
  return faces.map((f) => ({
    box: f.box,
    wholeImage: f.wholeImage,
    probs: Object.fromEntries(CLASSES.map((c) => [c, Number((f.probs[c] ?? 0).toFixed(6))])) as Record<ClassName, number>,
    label: f.label as ClassName,
  }));
}

const IMAGE = /\.(jpe?g|png|webp|gif|avif|tiff?|heic|heif)$/i;

/** The image files of a file or folder (recursively, sorted). */
export function imageFiles(target: string): string[] {
  const st = fs.statSync(target, { throwIfNoEntry: false });
  if (!st) throw new Error(`no such file or folder: ${target}`);
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
export async function evaluateFolder(head: LoadedHead, dir: string) {
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
    const faces = await predictPhoto(head, fs.readFileSync(it.file));
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
