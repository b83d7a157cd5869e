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
  /** 1 for the first run ever made, by creation order (what people call it: "Run 7"). */
  number: number;
  /** "Run 7 · 7 Dec": the run's name everywhere it is shown (its id is a detail). */
  title: string;
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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Run 7 · 7 Dec" (the year too when it is not this one); UTC, so the server and every browser agree. */
export function runTitle(number: number, createdAt: Date | string, now = new Date()): string {
  const d = new Date(createdAt);
  const year = d.getUTCFullYear() === now.getUTCFullYear() ? '' : ` ${d.getUTCFullYear()}`;
  return `Run ${number} · ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${year}`;
}

/** How many runs were made before this one (creation time, then id), plus one. Counted in the database. */
export async function runNumber(db: Db, run: { id: string; createdAt: Date }): Promise<number> {
  const before = await db.run.count({ where: { OR: [{ createdAt: { lt: run.createdAt } }, { createdAt: run.createdAt, id: { lt: run.id } }] } });
  return before + 1;
}

/** A run's title by id (null when there is no such run). */
export async function runTitleById(db: Db, id: string): Promise<string | null> {
  const r = await db.run.findUnique({ where: { id }, select: { id: true, createdAt: true } });
  return r ? runTitle(await runNumber(db, r), r.createdAt) : null;
}

function summary(number: number, r: {
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
    number,
    title: runTitle(number, r.createdAt),
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
  const rows = await db.run.findMany({
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], // the numbering's order (runNumber), newest first
    take,
    select: summaryFields,
  });
  if (rows.length === 0) return [];
  // The rows are the newest ones, newest first: numbered down from the oldest listed one's number.
  const oldest = rows[rows.length - 1];
  const first = await runNumber(db, oldest);
  return rows.map((r, i) => summary(first + rows.length - 1 - i, r));
}

/** The promoted run, whatever its age (null: none promoted). */
export async function promotedRunSummary(db: Db): Promise<RunSummary | null> {
  const r = await db.run.findFirst({
    where: { promoted: true },
    select: summaryFields,
  });
  return r ? summary(await runNumber(db, r), r) : null;
}

/** Every run, newest first, by cursor (lib/db/cursor.ts): the API's list of runs. */
export async function runsPage(db: Db, { cursor, limit }: { cursor?: string; limit: number }): Promise<Page<RunSummary>> {
  let where = {};
  if (cursor) {
    const [at, id] = decodeCursor(cursor, ['date', 'string']);
    where = { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { gt: id } }] };
  }
  const rows = await db.run.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: limit + 1, select: summaryFields });
  const page = pageOf(rows, limit, (r) => [r.createdAt.toISOString(), r.id]);
  // Each run's number (its title), counted where the page order and the numbering's differ (same-time runs).
  return { ...page, items: await Promise.all(page.items.map(async (r) => summary(await runNumber(db, r), r))) };
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

function progressOf(stored: string): TrainProgress | null {
  const p = parse<Partial<TrainProgress> | null>(stored, null);
  return p && typeof p.step === 'string' ? (p as TrainProgress) : null;
}

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
      // A job the worker has not picked up yet stores `{}`: no progress, not one without a step.
      progress: progressOf(job.progress),
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
  promoted: { id: string; title: string; metrics: RunMetrics | null } | null;
};

export async function runDetail(db: Db, runId: string): Promise<RunDetail | null> {
  const r = await db.run.findUnique({ where: { id: runId }, include: { createdBy: { select: { email: true, name: true } } } });
  if (!r) return null;
  const p = r.promoted ? null : await db.run.findFirst({ where: { promoted: true }, select: { id: true, createdAt: true, metrics: true } });
  return {
    run: { ...summary(await runNumber(db, r), r), seed: r.seed, backbone: r.backbone, config: parse(r.config, {}), modelDir: r.modelDir },
    history: parse<EpochStats[]>(r.history, []),
    metrics: parse<RunMetrics | null>(r.metrics, null),
    promoted: p ? { id: p.id, title: runTitle(await runNumber(db, p), p.createdAt), metrics: parse<RunMetrics | null>(p.metrics, null) } : null,
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
