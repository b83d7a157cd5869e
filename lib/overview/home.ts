// The Home page: where the project stands in its loop (collect → label → review → train → use),
// with live counts, and the one next thing this user can do about it. `homeState` reads the
// database (counts and groupings only); `nextAction` is pure, so every role's answer is tested
// without a server.
import type { Db } from '../db';
import { type Actor } from '../auth/roles';
import { may } from '../auth/policy';
import { CLASS_NAMES, CLASSES, type FaceClass } from '../classes';
import { classCounts, type ClassCounts, getTargets, type PerClass } from '../dataset/balance';
import { pendingReviewCount, reviewCounts } from '../dataset/reviews';
import { splitCounts } from '../dataset/split';
import { openLabelErrorCount } from '../label-errors/db';
import { promotedRunSummary, type RunSummary, trainingStatus } from '../training/views';
import { LABEL_ERRORS_TRUSTED_PER_CLASS, MIN_LABELLED_PER_CLASS, missingPerClass } from '../training/interval';

export type HomeState = {
  photos: number;
  counts: ClassCounts;
  targets: PerClass;
  /** Labelled faces per class below which a retrain is not meaningful. */
  minimum: number;
  /** Second opinions waiting (anyone's) and disagreements waiting for an admin. */
  reviews: { pending: number; disagreed: number };
  /** Second opinions this user can answer now. */
  myReviews: number;
  labelErrors: number;
  /** Labelled faces no retrain has used yet (no split). */
  unsplit: number;
  lastRun: RunSummary | null;
  promoted: RunSummary | null;
  /** Background jobs queued or running, by type (train, suggest, map, …). */
  activeJobs: Record<string, string>;
};

export async function homeState(db: Db, actor: Actor): Promise<HomeState> {
  const [photos, counts, targets, reviews, myReviews, labelErrors, splits, status, promoted, jobs] = await Promise.all([
    db.photo.count({ where: { evalSetId: null } }),
    classCounts(db),
    getTargets(db),
    reviewCounts(db),
    may.label(actor) ? pendingReviewCount(db, actor) : Promise.resolve(0),
    openLabelErrorCount(db),
    splitCounts(db),
    trainingStatus(db),
    promotedRunSummary(db),
    // Chunks (lib/queue/chunks.ts) are their job's work, not jobs of their own here.
    db.job.findMany({ where: { status: { in: ['queued', 'running'] }, parentId: null }, select: { type: true, status: true }, orderBy: { createdAt: 'asc' } }),
  ]);
  const activeJobs: Record<string, string> = {};
  for (const j of jobs) if (activeJobs[j.type] !== 'running') activeJobs[j.type] = j.status;
  return {
    photos,
    counts,
    targets,
    minimum: MIN_LABELLED_PER_CLASS,
    reviews: { pending: reviews.pending, disagreed: reviews.disagreed },
    myReviews,
    labelErrors,
    unsplit: CLASSES.reduce((n, c) => n + splits[c].unassigned, 0),
    lastRun: status.runs[0] ?? null,
    promoted,
    activeJobs,
  };
}

export type NextAction = {
  /** What to do, as an imperative ("Label 23 faces"). */
  title: string;
  /** Why, in a sentence. */
  why: string;
  href: string | null;
  /** The link's text (null: nothing to click, e.g. a viewer's "ask an admin"). */
  cta: string | null;
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function collectAdvice(s: HomeState): { cls: FaceClass; missing: number; below: 'minimum' | 'target' } | null {
  const belowMin = missingPerClass(s.counts.perClass, s.minimum).sort((a, b) => b.missing - a.missing)[0];
  if (belowMin) return { cls: belowMin.cls, missing: belowMin.missing, below: 'minimum' };
  const belowTarget = CLASSES.map((cls) => ({ cls, missing: s.targets[cls] - s.counts.perClass[cls] }))
    .filter((r) => r.missing > 0)
    .sort((a, b) => b.missing - a.missing)[0];
  return belowTarget ? { ...belowTarget, below: 'target' } : null;
}

/** The one next step for this user: what the project needs most that their role can do. */
export function nextAction(s: HomeState, actor: Pick<Actor, 'id' | 'role'>): NextAction {
  const collect = collectAdvice(s);
  const collectAction = (): NextAction | null =>
    collect
      ? {
          title: `Collect ${plural(collect.missing, 'more face')} of ${CLASS_NAMES[collect.cls]}`,
          why:
            collect.below === 'minimum'
              ? `${CLASS_NAMES[collect.cls]} has ${s.counts.perClass[collect.cls]} labelled; a retrain means little below ${s.minimum} per class.`
              : `${CLASS_NAMES[collect.cls]} is furthest from its target of ${s.targets[collect.cls]}.`,
          href: '/collect',
          cta: 'Upload photos',
        }
      : null;

  if (!may.label(actor)) {
    return {
      title: 'Ask an admin for the labeler role to help',
      why: `As a viewer you can look at the dataset, the runs and the model${s.promoted ? '' : ' (once one is promoted)'}; uploading and labelling need the labeler role.`,
      href: '/dashboard',
      cta: 'See the dashboard',
    };
  }

  const training = s.activeJobs.train;
  if (may.manageModels(actor) && training) {
    return { title: 'Follow the retrain', why: `A retrain is ${training}.`, href: '/training', cta: 'Open Training' };
  }
  if (s.photos === 0) {
    return { title: 'Upload the first photos', why: 'The dataset is empty: every face in a photo becomes a face to label.', href: '/collect', cta: 'Upload photos' };
  }
  if (s.counts.unlabelled > 0) {
    return {
      title: `Label ${plural(s.counts.unlabelled, 'face')}`,
      why: `${plural(s.counts.unlabelled, 'face is', 'faces are')} waiting for a label.`,
      href: '/label',
      cta: 'Label them now',
    };
  }
  if (s.myReviews > 0) {
    return { title: `Give ${plural(s.myReviews, 'second opinion')}`, why: 'Another labeller’s faces, label hidden, to measure agreement.', href: '/reviews', cta: 'Answer them' };
  }
  if (may.manageModels(actor)) {
    if (s.reviews.disagreed > 0) {
      return { title: `Decide ${plural(s.reviews.disagreed, 'disagreement')}`, why: 'Two labellers gave a face different labels.', href: '/reviews', cta: 'Open Reviews' };
    }
    if (s.unsplit > 0 || !s.lastRun) {
      const small = missingPerClass(s.counts.perClass, s.minimum).length > 0;
      return {
        title: 'Retrain',
        why: `${plural(s.unsplit, 'labelled face')} no model has learnt from yet.${small ? ` Below ${s.minimum} faces per class its numbers will say little: collect more as well.` : ''}`,
        href: '/training',
        cta: 'Open Training',
      };
    }
    if (s.labelErrors > 0) {
      const few = CLASSES.some((c) => s.counts.perClass[c] < LABEL_ERRORS_TRUSTED_PER_CLASS);
      return {
        title: `Check ${plural(s.labelErrors, 'suspected label error')}`,
        why: `The model disagrees with these labels.${few ? ' With so few faces, many flagged labels are correct: look before changing one.' : ''}`,
        href: '/reviews/label-errors',
        cta: 'Review them',
      };
    }
  }
  return (
    collectAction() ?? {
      title: 'Every class has reached its target',
      why: 'Nothing is waiting: see the dashboard for the balance and the agreement.',
      href: '/dashboard',
      cta: 'See the dashboard',
    }
  );
}
