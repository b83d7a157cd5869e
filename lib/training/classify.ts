// Turning cached face vectors into class probabilities with a saved head: the same input
// preparation the head was trained with (meta.preprocessing), and the mirrored view averaged
// in when the model was trained for it (test-time augmentation).
import type * as TF from '@tensorflow/tfjs';
import type { Db } from '../db';
import { headInput, predictProbs, type Tf } from './head';
import type { FacePair } from './features';
import { loadModel, type ModelMeta, promotedRun } from '../models/registry';
import { UserError } from '../auth/roles';

export type LoadedHead = { model: TF.LayersModel; meta: ModelMeta; runId: string };

export async function classifyPairs(tf: Tf, head: Pick<LoadedHead, 'model' | 'meta'>, pairs: readonly FacePair[]): Promise<Float32Array[]> {
  const { useAge, mirrorTta, dim } = head.meta.preprocessing;
  const plain = await predictProbs(
    tf,
    head.model,
    pairs.map((p) => headInput(p.plain.features, p.plain.age, useAge)),
    dim,
  );
  if (!mirrorTta) return plain;
  const withMirror = pairs.map((p, i) => (p.mirrored ? i : -1)).filter((i) => i >= 0);
  const mirrored = await predictProbs(
    tf,
    head.model,
    withMirror.map((i) => headInput(pairs[i].mirrored!.features, pairs[i].mirrored!.age, useAge)),
    dim,
  );
  withMirror.forEach((i, k) => {
    for (let c = 0; c < plain[i].length; c++) plain[i][c] = (plain[i][c] + mirrored[k][c]) / 2;
  });
  return plain;
}

const cache = new Map<string, Promise<LoadedHead>>();

/** The promoted model, loaded once per run id. */
export async function loadPromoted(db: Db, tf: Tf): Promise<LoadedHead> {
  const run = await promotedRun(db);
  if (!run || !run.modelDir) throw new UserError('No model has been promoted yet: train one first (Training page or `train --wait`)', 409);
  let p = cache.get(run.id);
  if (!p) {
    p = loadModel(tf, run.modelDir).then(({ model, meta }) => ({ model, meta, runId: run.id }));
    p.catch(() => cache.delete(run.id));
    cache.set(run.id, p);
  }
  return p;
}
