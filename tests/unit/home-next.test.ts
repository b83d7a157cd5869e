// The Home page's one next step per role (lib/overview/home.ts nextAction), on states built by hand.
import { describe, expect, it } from 'vitest';
import { type HomeState, nextAction } from '@/lib/overview/home';
import type { RunSummary } from '@/lib/training/views';

const per = (n: number) => ({ mask_old: n, mask_young: n, nomask_old: n, nomask_young: n });
const run: RunSummary = { id: 'r1', number: 1, title: 'Run 1 · 7 Dec', status: 'succeeded', createdAt: '', finishedAt: null, createdBy: null, promoted: true, accuracy: 1, macroF1: 1, maskAccuracy: 1, ageAccuracy: 1, testFaces: 4 };

function state(over: Partial<HomeState> = {}): HomeState {
  const perClass = over.counts?.perClass ?? per(40);
  const labelled = Object.values(perClass).reduce((a, b) => a + b, 0);
  return {
    photos: 200,
    counts: { perClass, excluded: 0, unlabelled: 0, labelled, total: labelled },
    targets: per(750),
    minimum: 30,
    reviews: { pending: 0, disagreed: 0 },
    myReviews: 0,
    labelErrors: 0,
    unsplit: 0,
    lastRun: run,
    promoted: run,
    activeJobs: {},
    ...over,
  };
}
const viewer = { id: 'v', role: 'viewer' as const };
const labeler = { id: 'l', role: 'labeler' as const };
const admin = { id: 'a', role: 'admin' as const };

describe('nextAction', () => {
  it('a viewer is told to ask an admin, whatever the state', () => {
    for (const s of [state(), state({ photos: 0 }), state({ counts: { perClass: per(3), excluded: 0, unlabelled: 23, labelled: 12, total: 35 } })]) {
      expect(nextAction(s, viewer).title).toMatch(/Ask an admin/);
    }
  });

  it('unlabelled faces: labellers and admins label them', () => {
    const s = state({ counts: { perClass: per(40), excluded: 0, unlabelled: 23, labelled: 160, total: 183 } });
    expect(nextAction(s, labeler)).toMatchObject({ title: 'Label 23 faces', href: '/label', cta: 'Label them now' });
    expect(nextAction(s, admin)).toMatchObject({ title: 'Label 23 faces', href: '/label' });
  });

  it('an empty project starts with an upload', () => {
    expect(nextAction(state({ photos: 0, lastRun: null, promoted: null }), labeler)).toMatchObject({ href: '/collect' });
  });

  it('labels no model has learnt from: the admin retrains (saying when the data is small), the labeller collects', () => {
    const s = state({ unsplit: 32, counts: { perClass: per(8), excluded: 0, unlabelled: 0, labelled: 32, total: 32 } });
    const a = nextAction(s, admin);
    expect(a).toMatchObject({ title: 'Retrain', href: '/training' });
    expect(a.why).toMatch(/Below 30 faces per class/);
    expect(nextAction(s, labeler)).toMatchObject({ title: 'Collect 22 more faces of Mask, old', href: '/collect' });
  });

  it('a retrain in progress is the admin’s next thing to follow', () => {
    expect(nextAction(state({ activeJobs: { train: 'running' } }), admin)).toMatchObject({ title: 'Follow the retrain', href: '/training' });
  });

  it('second opinions and disagreements come before new collecting', () => {
    expect(nextAction(state({ myReviews: 2 }), labeler)).toMatchObject({ title: 'Give 2 second opinions', href: '/reviews' });
    expect(nextAction(state({ reviews: { pending: 0, disagreed: 1 } }), admin)).toMatchObject({ title: 'Decide 1 disagreement' });
  });

  it('suspected label errors come with how far to trust them', () => {
    expect(nextAction(state({ labelErrors: 8 }), admin)).toMatchObject({ title: 'Check 8 suspected label errors', href: '/reviews/label-errors' });
    expect(nextAction(state({ labelErrors: 8 }), admin).why).toMatch(/many flagged labels are correct/);
    expect(nextAction(state({ labelErrors: 8, counts: { perClass: per(150), excluded: 0, unlabelled: 0, labelled: 600, total: 600 } }), admin).why).not.toMatch(/many flagged/);
  });

  it('all caught up: collect toward the targets', () => {
    expect(nextAction(state(), admin).title).toBe('Collect 710 more faces of Mask, old');
    expect(nextAction(state({ targets: per(40) }), labeler).href).toBe('/dashboard');
  });
});
