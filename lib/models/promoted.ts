/**
 * The promoted model as the preview sees it: `<modelsDir>/<runId>/{model.json, weights.bin, meta.json}` of the
 * run flagged `Run.promoted` (written and promoted by ./registry), and which of those files may be served.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db';
import type { HeadMeta } from '../inference/classify';
import { promotedRun } from './registry';

/** The files of a model folder, the only ones served to browsers. */
export const MODEL_FILES = ['model.json', 'weights.bin', 'meta.json'] as const;
export type ModelFile = (typeof MODEL_FILES)[number];

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface PromotedModel {
  runId: string;
  dir: string;
  meta: HeadMeta;
  promotedAt: Date | null;
}

/** Folder of a run's model: the path the run recorded, else `<modelsDir>/<runId>`. */
export function modelDirOf(modelsDir: string, run: { id: string; modelDir: string | null }): string {
  if (!RUN_ID.test(run.id)) throw new Error(`invalid run id "${run.id}"`);
  return run.modelDir ? path.resolve(modelsDir, run.modelDir) : path.join(modelsDir, run.id);
}

export function readHeadMeta(dir: string): HeadMeta {
  const file = path.join(dir, 'meta.json');
  let meta: HeadMeta;
  try {
    meta = JSON.parse(fs.readFileSync(file, 'utf8')) as HeadMeta;
  } catch (err) {
    throw new Error(`Cannot read the model's ${file}: ${(err as Error).message}`);
  }
  const p = meta?.preprocessing;
  if (!Array.isArray(meta?.classes) || !p || typeof p.dim !== 'number' || typeof p.useAge !== 'boolean') {
    throw new Error(`${file} lacks classes or preprocessing (dim, useAge, mirrorTta)`);
  }
  return { ...meta, preprocessing: { ...p, mirrorTta: !!p.mirrorTta } };
}

/** The promoted run's model, or null when none is promoted. Throws when its files are missing. */
export async function promotedModel(db: Db, modelsDir: string): Promise<PromotedModel | null> {
  const run = await promotedRun(db);
  if (!run) return null;
  const dir = modelDirOf(modelsDir, run);
  return { runId: run.id, dir, meta: { ...readHeadMeta(dir), runId: run.id }, promotedAt: run.promotedAt };
}

/** Path of one file of a run's model folder (any run that has one, not only the promoted). */
export async function runModelFile(db: Db, modelsDir: string, runId: string, file: string): Promise<string | null> {
  if (!RUN_ID.test(runId) || !(MODEL_FILES as readonly string[]).includes(file)) return null;
  const run = await db.run.findUnique({ where: { id: runId }, select: { id: true, modelDir: true } });
  if (!run) return null;
  const p = path.join(modelDirOf(modelsDir, run), file);
  return fs.existsSync(p) ? p : null;
}
