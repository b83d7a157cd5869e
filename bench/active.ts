// Does the label desk's model-assisted order save labels? (`npm run bench -- active [--seeds N]`, opt-in.)
// Pool: facemask-dev + facemask-extra (414 faces, labels hidden until "labelled"). Labelling is simulated in
// batches of 20: the first 20 (as imported: the first 20 of the pool; otherwise 20 at random), then 20 more at a
// time in one of three orders:
//   - imported: the pool's order (folder by folder, as a folder import lands; the desk's default before suggestions),
//   - random: a seeded shuffle,
//   - uncertain: least confident first (lib/suggest/pick.ts, the desk's "Least confident first"), with the head
//     retrained on the labels so far after every batch (as a retrain + suggestions would).
// After every batch the head (the default recipe, on the labels so far; a stratified tenth early-stops it once
// there are 40) is scored on the generalisation sets, never trained on: age-dev (age accuracy) and mask-dev
// (mask accuracy). 4-class accuracy is not defined on either set (each labels one attribute), and the pool's own
// unlabelled rest is no fair yardstick (the orders leave different faces in it), so none is reported.
// Reported: labels each order needs to come within 1 point of the head trained on the whole pool (and stay there),
// the mean accuracy over the curve, and the accuracy at 60 / 100 / 200 / 300 labels, means over seeds (default 3).
// Features come from the bench cache.
import type { BenchRow } from './run';
import { ageDev, attachViews, maskDev, realFaces, type RealFace, type SetFace } from './train-data';
import { classIndex } from '../lib/classes';
import { DEFAULT_SEED, prng, shuffleInPlace } from '../lib/random';
import { classifyFeatures } from '../lib/inference/classify';
import type { HeadConfig } from '../lib/inference/meta';
import { getTf } from '../lib/models/tf';
import { fitHead, type Part, stratifiedFolds } from '../lib/training/cross-validate';
import { DEFAULT_HEAD } from '../lib/training/head';
import { pickLeastConfident } from '../lib/suggest/pick';

export const optIn = true;

export const ORDERS = ['imported', 'random', 'uncertain'] as const;
export type Order = (typeof ORDERS)[number];
const BATCH = 20;

type Score = { labels: number; age: number; mask: number };

const isOldP = (p: ArrayLike<number>) => p[0] + p[2] > 0.5;
const isMaskP = (p: ArrayLike<number>) => p[0] + p[1] > 0.5;

async function trainOn(pool: readonly RealFace[], labelled: readonly number[], cfg: HeadConfig, seed: number) {
  const tf = await getTf();
  const y = labelled.map((i) => classIndex(pool[i].label));
  const validPos = new Set(labelled.length >= 40 ? stratifiedFolds(y, 10, seed)[0] : []);
  const part = (keep: (j: number) => boolean): Part => {
    const js = labelled.map((_, j) => j).filter(keep);
    return { pairs: js.map((j) => pool[labelled[j]].pair), y: js.map((j) => y[j]), source: js.map((j) => pool[labelled[j]].source) };
  };
  const { head } = await fitHead(tf, part((j) => !validPos.has(j)), part((j) => validPos.has(j)), cfg, { seed, mirrorTta: true });
  return head;
}

async function scoreSets(head: Awaited<ReturnType<typeof trainOn>>, age: readonly SetFace[], mask: readonly SetFace[]) {
  const tf = await getTf();
  const ap = await classifyFeatures(tf, head, age.map((f) => f.pair));
  const mp = await classifyFeatures(tf, head, mask.map((f) => f.pair));
  return {
    age: age.filter((f, i) => isOldP(ap[i]) === (f.folder === 'old')).length / age.length,
    mask: mask.filter((f, i) => isMaskP(mp[i]) === (f.folder === 'mask')).length / mask.length,
  };
}

/** One simulated labelling run of an order: the scores after every batch, up to the whole pool. */
export async function simulate(pool: readonly RealFace[], age: readonly SetFace[], mask: readonly SetFace[], order: Order, cfg: HeadConfig, seed: number): Promise<Score[]> {
  const tf = await getTf();
  const all = pool.map((_, i) => i);
  const shuffled = shuffleInPlace([...all], prng(seed));
  const labelled: number[] = order === 'imported' ? all.slice(0, BATCH) : shuffled.slice(0, BATCH);
  const out: Score[] = [];
  for (;;) {
    const head = await trainOn(pool, labelled, cfg, seed);
    out.push({ labels: labelled.length, ...(await scoreSets(head, age, mask)) });
    const taken = new Set(labelled);
    const rest = all.filter((i) => !taken.has(i));
    if (rest.length === 0) {
      head.model.dispose();
      break;
    }
    let next: number[];
    if (order === 'uncertain') {
      const probs = await classifyFeatures(tf, head, rest.map((i) => pool[i].pair));
      next = pickLeastConfident(probs, BATCH).map((j) => rest[j]);
    } else if (order === 'random') {
      next = shuffled.filter((i) => !taken.has(i)).slice(0, BATCH);
    } else {
      next = rest.slice(0, BATCH);
    }
    head.model.dispose();
    labelled.push(...next);
  }
  return out;
}

/** The first number of labels from which the score stays at or above `target` (null: never). */
export function labelsToReach(curve: readonly Score[], get: (s: Score) => number, target: number): number | null {
  for (let i = 0; i < curve.length; i++) if (curve.slice(i).every((s) => get(s) >= target)) return curve[i].labels;
  return null;
}

function seedsArg(): number[] {
  const i = process.argv.indexOf('--seeds');
  const n = i >= 0 ? Math.max(1, parseInt(process.argv[i + 1], 10) || 3) : 3;
  return Array.from({ length: n }, (_, j) => 1337 + j);
}

export async function bench(): Promise<BenchRow[]> {
  const pool = await realFaces();
  const age = await ageDev();
  const mask = await maskDev();
  const cfg = DEFAULT_HEAD;
  if (cfg.views?.length) await attachViews(pool, cfg.views, cfg.viewSeed ?? DEFAULT_SEED);
  const seeds = seedsArg();
  const curves: Record<Order, Score[][]> = { imported: [], random: [], uncertain: [] };
  for (const seed of seeds) {
    for (const order of ORDERS) {
      // As imported is the same for every seed but the head's seed: run it once per seed all the same.
      curves[order].push(await simulate(pool, age, mask, order, cfg, seed));
      console.error(`active: seed ${seed} ${order} done`);
    }
  }
  // Mean over seeds, per number of labels (every run has the same batch sizes).
  const mean = (order: Order): Score[] =>
    curves[order][0].map((s, j) => ({
      labels: s.labels,
      age: curves[order].reduce((a, c) => a + c[j].age, 0) / seeds.length,
      mask: curves[order].reduce((a, c) => a + c[j].mask, 0) / seeds.length,
    }));
  const means = Object.fromEntries(ORDERS.map((o) => [o, mean(o)])) as Record<Order, Score[]>;
  // Every order ends with the whole pool labelled (the heads differ only in which tenth early-stops them): the mean.
  const full = { labels: pool.length, age: ORDERS.reduce((a, o) => a + means[o].at(-1)!.age, 0) / ORDERS.length, mask: ORDERS.reduce((a, o) => a + means[o].at(-1)!.mask, 0) / ORDERS.length };
  const p = (x: number) => (100 * x).toFixed(1);
  console.error(`\nlabels | ${ORDERS.map((o) => `${o} age / mask`).join(' | ')}`);
  for (let j = 0; j < means.random.length; j++) {
    console.error(`${String(means.random[j].labels).padStart(6)} | ${ORDERS.map((o) => `${p(means[o][j].age)} / ${p(means[o][j].mask)}`.padEnd(o.length + 11)).join(' | ')}`);
  }
  const rows: BenchRow[] = [];
  const note = `${pool.length}-face pool (dev + extra), batches of ${BATCH}, mean of ${seeds.length} seed(s); whole pool: age ${p(full.age)}%, mask ${p(full.mask)}%`;
  for (const [metric, get, set] of [
    ['age', (s: Score) => s.age, 'age-dev age accuracy'],
    ['mask', (s: Score) => s.mask, 'mask-dev mask accuracy'],
  ] as const) {
    const target = get(full) - 0.01;
    for (const o of ORDERS) {
      const n = labelsToReach(means[o], get, target);
      rows.push({ benchmark: `active: ${o}, labels to reach ${set} ≥ ${p(target)}%`, value: n ?? 'never', unit: 'labels', note: metric === 'age' ? note : undefined });
    }
    // The mean accuracy over the whole curve (every batch counts the same): higher = fewer labels for the same accuracy.
    const area = (o: Order) => means[o].reduce((a, x) => a + get(x), 0) / means[o].length;
    rows.push({ benchmark: `active: ${set}, mean over the curve (20…${pool.length} labels)`, value: ORDERS.map((o) => p(area(o))).join(' / '), unit: '%', note: ORDERS.join(' / ') });
    for (const at of [60, 100, 200, 300]) {
      const j = means.random.findIndex((s) => s.labels >= at);
      rows.push({ benchmark: `active: ${set} at ${means.random[j].labels} labels`, value: ORDERS.map((o) => p(get(means[o][j]))).join(' / '), unit: '%', note: ORDERS.join(' / ') });
    }
  }
  return rows;
}

if (require.main === module) {
  bench().then((rows) => console.table(rows));
}
