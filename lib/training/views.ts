// What the Training pages and the status API show. Plain data, no Next.js.
import type { Db } from '../db';
import { decodeCursor, type Page, pageOf } from '../db/cursor';
import { splitCounts } from '../dataset/split';
import type { EpochStats } from './train-head';
import { TRAIN_JOB, type RunMetrics, type TrainProgress } from './queue';

const parse = <T>(s: string | null | undefined, fallback: T): T => {
  if (!s) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
};

export type RunSummary = {
  id: string;
  status: string;
  createdAt: string;
  finishedAt: string | null;
  createdBy: string | null;
  promoted: boolean;
  accuracy: number | null;
  macroF1: number | null;
  maskAccuracy: number | null;
  ageAccuracy: number | null;
  testFaces: number | null;
};

function summary(r: {
  id: string;
  status: string;
  createdAt: Date;
  finishedAt: Date | null;
  promoted: boolean;
  metrics: string | null;
  createdBy: { email: string; name: string | null } | null;
}): RunSummary {
  const m = parse<RunMetrics | null>(r.metrics, null);
  return {
    id: r.id,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    createdBy: r.createdBy ? (r.createdBy.name ?? r.createdBy.email) : null,
    promoted: r.promoted,
    accuracy: m?.accuracy ?? null,
    macroF1: m?.macro.f1 ?? null,
    maskAccuracy: m?.maskAccuracy ?? null,
    ageAccuracy: m?.ageAccuracy ?? null,
    testFaces: m?.n ?? null,
  };
}

const summaryFields = { id: true, status: true, createdAt: true, finishedAt: true, promoted: true, metrics: true, createdBy: { select: { email: true, name: true } } } as const;

async function listRuns(db: Db, take = 50): Promise<RunSummary[]> {
  const rows = await db.run.findMany({ orderBy: { createdAt: 'desc' }, take, select: summaryFields });
  return rows.map(summary);
}

/** The promoted run, whatever its age (null: none promoted). */
export async function promotedRunSummary(db: Db): Promise<RunSummary | null> {
  const r = await db.run.findFirst({
    where: { promoted: true },
    select: summaryFields,
  });
  return r ? summary(r) : null;
}

/** Every run, newest first, by cursor (lib/db/cursor.ts): the API's list of runs. */
export async function runsPage(db: Db, { cursor, limit }: { cursor?: string; limit: number }): Promise<Page<RunSummary>> {
  let where = {};
  if (cursor) {
    const [at, id] = decodeCursor(cursor, ['date', 'string']);
    where = { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { gt: id } }] };
  }
  const rows = await db.run.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: limit + 1, select: summaryFields });
  return pageOf(rows, limit, (r) => [r.createdAt.toISOString(), r.id], summary);
}

export type ActiveJob = {
  id: string;
  status: string;
  cancelRequested: boolean;
  attempts: number;
  createdAt: string;
  progress: TrainProgress | null;
  error: string | null;
  logs: { id: number; at: string; level: string; message: string }[];
};

export type TrainingStatus = { job: ActiveJob | null; runs: RunSummary[] };

/** The latest train job (running, queued or just finished) with its progress and log tail. */
export async function trainingStatus(db: Db): Promise<TrainingStatus> {
  const job =
    (await db.job.findFirst({ where: { type: TRAIN_JOB, status: { in: ['running', 'queued'] } }, orderBy: { createdAt: 'desc' } })) ??
    (await db.job.findFirst({ where: { type: TRAIN_JOB }, orderBy: { createdAt: 'desc' } }));
  let active: ActiveJob | null = null;
  if (job) {
    const logs = await db.jobLog.findMany({ where: { jobId: job.id }, orderBy: { id: 'desc' }, take: 12 });
    active = {
      id: job.id,
      status: job.status,
      cancelRequested: job.cancelRequested,
      attempts: job.attempts,
      createdAt: job.createdAt.toISOString(),
      progress: parse<TrainProgress | null>(job.progress, null),
      error: job.error,
      logs: logs.reverse().map((l) => ({ id: l.id, at: l.at.toISOString(), level: l.level, message: l.message })),
    };
  }
  return { job: active, runs: await listRuns(db, 20) };
}

export async function trainingDashboard(db: Db) {
  return { status: await trainingStatus(db), splits: await splitCounts(db) };
}

export type RunDetail = {
  run: RunSummary & { seed: number; backbone: string; config: Record<string, unknown>; modelDir: string | null };
  history: EpochStats[];
  metrics: RunMetrics | null;
  promoted: { id: string; metrics: RunMetrics | null } | null;
};

export async function runDetail(db: Db, runId: string): Promise<RunDetail | null> {
  const r = await db.run.findUnique({ where: { id: runId }, include: { createdBy: { select: { email: true, name: true } } } });
  if (!r) return null;
  const p = r.promoted ? null : await db.run.findFirst({ where: { promoted: true }, select: { id: true, metrics: true } });
  return {
    run: { ...summary(r), seed: r.seed, backbone: r.backbone, config: parse(r.config, {}), modelDir: r.modelDir },
    history: parse<EpochStats[]>(r.history, []),
    metrics: parse<RunMetrics | null>(r.metrics, null),
    promoted: p ? { id: p.id, metrics: parse<RunMetrics | null>(p.metrics, null) } : null,
  };
}

/** The learning curve of the latest succeeded run that has one (the dashboard's "Collect next" quotes it). */
export async function latestLearningCurve(db: Db): Promise<{ runId: string; finishedAt: string | null; curve: NonNullable<RunMetrics['learningCurve']> } | null> {
  const runs = await db.run.findMany({ where: { status: 'succeeded' }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 5, select: { id: true, finishedAt: true, metrics: true } });
  for (const r of runs) {
    const curve = parse<RunMetrics | null>(r.metrics, null)?.learningCurve;
    if (curve) return { runId: r.id, finishedAt: r.finishedAt?.toISOString() ?? null, curve };
  }
  return null;
}
