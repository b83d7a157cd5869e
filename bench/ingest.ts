// Ingest benchmark: per image decode + detect + crop (JPEG + pHash), and per face backbone features (the plain
// crop through `describeBoxes`, the crop path of inference and training), over
// ../shared/data/facemask-dev (100 images, <class>/*.jpg). `npm run bench -- ingest` or `npx tsx bench/ingest.ts`.
import fs from 'node:fs';
import path from 'node:path';
import type { BenchRow } from './run';
import { cropToJpeg, perceptualHash } from '../lib/faces/crop';
import { detectFaces } from '../lib/faces/detect';
import { decodeImage as decodeUpload, type RgbImage } from '../lib/images';
import { planSamples } from '../lib/inference/preprocess';
import { describeBoxes } from '../lib/inference/classify';
import { loadFaceres } from '../lib/models/backbone';
import { backendName, getTf, rgbTensor } from '../lib/models/tf';
import { DATA_ROOT } from './train-data';

/** The upload decoder (sniff, limits, EXIF orientation), as ingest runs it. */
const LIMITS = { maxUploadBytes: 25 * 1024 * 1024, maxPixels: 50_000_000 };
const decodeImage = async (bytes: Buffer): Promise<RgbImage> => (await decodeUpload(bytes, LIMITS)).rgb;

export const DEV_DIR = path.join(DATA_ROOT, 'facemask-dev');

export interface IngestStats {
  backend: string;
  images: number;
  faces: number;
  wholeImage: number;
  /** Milliseconds per stage: one entry per image (faces: one per face sample). */
  ms: { decode: number[]; detect: number[]; crop: number[]; ingest: number[]; features: number[] };
  loadMs: number;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] : NaN;
};

export function listImages(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      fs
        .readdirSync(path.join(dir, d.name))
        .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
        .map((f) => path.join(dir, d.name, f)),
    )
    .sort();
}

/** Runs the ingest pipeline stage by stage over `dir` (or the first `limit` images) and times it. */
export async function benchIngest(dir = DEV_DIR, limit = Infinity): Promise<IngestStats> {
  const files = listImages(dir).slice(0, limit);
  const t0 = performance.now();
  const tf = await getTf();
  const faceres = await loadFaceres();
  const features = async (image: RgbImage, box: { x: number; y: number; w: number; h: number }) => {
    const tensor = rgbTensor(tf, image);
    try {
      await describeBoxes(tf, faceres, tensor, [box], { mirror: false });
    } finally {
      tensor.dispose();
    }
  };
  // Warm up (model load, kernel setup); not timed.
  if (files[0]) await detectFaces(await decodeImage(fs.readFileSync(files[0])));
  await features({ data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 }, { x: 0, y: 0, w: 64, h: 64 });
  const loadMs = performance.now() - t0;
  const ms: IngestStats['ms'] = { decode: [], detect: [], crop: [], ingest: [], features: [] };
  let faces = 0;
  let wholeImage = 0;
  for (const file of files) {
    const buffer = fs.readFileSync(file);
    const a = performance.now();
    const image = await decodeImage(buffer);
    const b = performance.now();
    const detections = await detectFaces(image);
    const c = performance.now();
    const plans = planSamples(image.width, image.height, detections);
    const samples = await Promise.all(plans.map(async (p) => ({ jpeg: await cropToJpeg(image, p.box), phash: await perceptualHash(image, p.box) })));
    const d = performance.now();
    ms.decode.push(b - a);
    ms.detect.push(c - b);
    ms.crop.push(d - c);
    ms.ingest.push(d - a);
    faces += samples.length;
    wholeImage += plans.filter((p) => p.wholeImage).length;
    for (const p of plans) {
      const e = performance.now();
      await features(image, p.box);
      ms.features.push(performance.now() - e);
    }
  }
  return { backend: await backendName(), images: files.length, faces, wholeImage, ms, loadMs };
}

/** Rows for bench/run.ts. */
export async function bench(): Promise<BenchRow[]> {
  if (!fs.existsSync(DEV_DIR)) {
    return [{ benchmark: 'ingest', value: 'skipped', unit: '', note: `${DEV_DIR} not found` }];
  }
  const s = await benchIngest();
  const note = `${s.backend}, ${s.images} images, ${s.faces} samples (${s.wholeImage} whole-image)`;
  const row = (name: keyof IngestStats['ms'], label: string, unit: string): BenchRow[] => [
    { benchmark: `ingest ${label} median`, value: quantile(s.ms[name], 0.5), unit, note },
    { benchmark: `ingest ${label} p95`, value: quantile(s.ms[name], 0.95), unit, note },
  ];
  return [
    ...row('ingest', 'decode+detect+crop', 'ms/image'),
    ...row('decode', 'decode', 'ms/image'),
    ...row('detect', 'detect', 'ms/image'),
    ...row('crop', 'crop jpeg+phash', 'ms/image'),
    ...row('features', 'features', 'ms/face'),
    { benchmark: 'ingest model load + warm-up', value: s.loadMs, unit: 'ms', note },
  ];
}

async function main(): Promise<void> {
  if (!fs.existsSync(DEV_DIR)) {
    console.log(`ingest bench skipped: ${DEV_DIR} not found`);
    return;
  }
  const s = await benchIngest();
  console.log(`backend ${s.backend}; ${s.images} images, ${s.faces} samples (${s.wholeImage} whole-image); load+warm-up ${s.loadMs.toFixed(0)} ms`);
  const rows = (Object.keys(s.ms) as Array<keyof IngestStats['ms']>).map((k) => [
    k === 'features' ? 'features (ms/face)' : `${k} (ms/image)`,
    quantile(s.ms[k], 0.5).toFixed(1),
    quantile(s.ms[k], 0.95).toFixed(1),
    String(s.ms[k].length),
  ]);
  const head = ['stage', 'median', 'p95', 'n'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log([line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
