import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaces, makeUser, type Team, team } from '../helpers/faces';
import type { Actor } from '@/lib/auth/roles';
import { assignLabels, faceWithHistory } from '@/lib/dataset/labels';
import { listFaces, listPhotos } from '@/lib/dataset/gallery';
import { agreementByLabeler, blindFaceIds, faceForViewer, redactBlind, answerReview, listDisagreements, nextReview, pendingReviewCount, requestReviews, resolveReview, reviewCounts } from '@/lib/dataset/reviews';

let t: Team['t'], admin: Actor, ann: Actor, bob: Actor, ids: string[];

beforeAll(async () => {
  ({ t, admin, ann, bob, ids } = await team(40));
  await assignLabels(t.db, ann, ids.slice(0, 20), 'mask_old');
  await assignLabels(t.db, bob, ids.slice(20, 30), 'nomask_young');
});
afterAll(async () => t.cleanup());

describe('second opinions', () => {
  it('only admins ask, for a share of the labelled faces (10% by default), never twice for the same share', async () => {
    await expect(requestReviews(t.db, ann)).rejects.toThrow(/admin role/);
    await expect(requestReviews(t.db, admin, 0)).rejects.toThrow(/above 0/);
    expect(await requestReviews(t.db, admin)).toEqual({ created: 3, reviewed: 3, labelled: 30 });
    expect(await requestReviews(t.db, admin)).toEqual({ created: 0, reviewed: 3, labelled: 30 });
    const r = await requestReviews(t.db, admin, 0.5);
    expect(r).toEqual({ created: 12, reviewed: 15, labelled: 30 });
    const reviews = await t.db.review.findMany();
    expect(new Set(reviews.map((x) => x.faceId)).size).toBe(15);
    for (const x of reviews) {
      const f = await t.db.face.findUniqueOrThrow({ where: { id: x.faceId } });
      expect([x.firstLabel, x.firstUserId, x.status]).toEqual([f.label, f.labelledById, 'pending']);
    }
  });

  it('goes blind to a different labeler, who agrees or disagrees', async () => {
    const annPending = await pendingReviewCount(t.db, ann);
    const bobPending = await pendingReviewCount(t.db, bob);
    expect(annPending + bobPending).toBe(15); // each review waits for the one who did not label it

    const mine = await nextReview(t.db, ann);
    expect(mine).not.toBeNull();
    const row = await t.db.review.findUniqueOrThrow({ where: { id: mine!.reviewId } });
    expect(row.firstUserId).toBe(bob.id);
    expect(row.reviewerId).toBe(ann.id); // claimed
    expect(mine!.face.label).toBeNull(); // blind
    expect(JSON.stringify(mine)).not.toContain('nomask_young');
    expect((await nextReview(t.db, ann))!.reviewId).toBe(mine!.reviewId); // same one until answered
    await expect(answerReview(t.db, bob, mine!.reviewId, 'mask_old')).rejects.toThrow(/different labeler/);

    expect(await answerReview(t.db, ann, mine!.reviewId, 'mask_young')).toEqual({ status: 'disagreed' });
    await expect(answerReview(t.db, ann, mine!.reviewId, 'mask_young')).rejects.toThrow(/already been answered/);

    // bob answers all of his: agrees with ann on every face but one
    let first = true;
    for (let r = await nextReview(t.db, bob); r; r = await nextReview(t.db, bob)) {
      const rev = await t.db.review.findUniqueOrThrow({ where: { id: r.reviewId } });
      expect(rev.firstUserId).toBe(ann.id);
      await answerReview(t.db, bob, r.reviewId, first ? 'excluded' : (rev.firstLabel as 'mask_old'));
      first = false;
    }
    expect(await reviewCounts(t.db)).toEqual({ pending: annPending - 1, agreed: bobPending - 1, disagreed: 2, resolved: 0 });
    const agreement = await agreementByLabeler(t.db);
    const annRow = agreement.find((a) => a.userId === ann.id)!;
    expect(annRow.reviewed).toBe(bobPending);
    expect(annRow.agreed).toBe(annRow.reviewed - 1);
    expect(annRow.rate).toBeCloseTo((annRow.reviewed - 1) / annRow.reviewed);
    expect(agreement.find((a) => a.userId === bob.id)).toMatchObject({ reviewed: 1, agreed: 0, rate: 0 });
  });

  it('lists disagreements; the admin resolves them, which relabels the face in its history', async () => {
    const { items, total } = await listDisagreements(t.db);
    expect(total).toBe(2);
    const d = items[0];
    expect(d.firstLabel).not.toBe(d.secondLabel);
    await expect(resolveReview(t.db, bob, d.reviewId, 'mask_young')).rejects.toThrow(/admin role/);
    await resolveReview(t.db, admin, d.reviewId, 'mask_young');
    expect((await t.db.face.findUniqueOrThrow({ where: { id: d.face.id } })).label).toBe('mask_young');
    const { history } = (await faceWithHistory(t.db, d.face.id))!;
    expect(history[0]).toMatchObject({ kind: 'resolve', newLabel: 'mask_young', user: { id: admin.id } });
    await expect(resolveReview(t.db, admin, d.reviewId, 'mask_old')).rejects.toThrow(/Only disagreements/);
    expect((await listDisagreements(t.db)).total).toBe(1);
    // keeping the first label is a decision too: recorded in the history
    const keep = (await listDisagreements(t.db)).items[0];
    await resolveReview(t.db, admin, keep.reviewId, keep.firstLabel as 'mask_old');
    const kept = (await faceWithHistory(t.db, keep.face.id))!;
    expect(kept.face.label).toBe(keep.firstLabel);
    expect(kept.history[0]).toMatchObject({ kind: 'resolve', oldLabel: keep.firstLabel, newLabel: keep.firstLabel, user: { id: admin.id } });
    expect((await listDisagreements(t.db)).total).toBe(0);
    // a resolved review still counts as a disagreement for the first labeler
    const before = await agreementByLabeler(t.db);
    expect(before.reduce((s, a) => s + a.reviewed - a.agreed, 0)).toBe(2);
  });
});

describe('blind second opinions stay blind', () => {
  it('a reviewer with a pending review of a face sees neither its label nor its history, anywhere', async () => {
    const carl = await makeUser(t.db, 'labeler');
    const [face, other] = await makeFaces(t.db, admin.id, 2);
    await assignLabels(t.db, ann, [face, other], 'nomask_old');
    const review = await t.db.review.create({
      data: { faceId: face, requestedById: admin.id, firstLabel: 'nomask_old', firstUserId: ann.id, reviewerId: carl.id },
    });

    // the face page's data
    const seen = await faceForViewer(t.db, carl, face);
    expect(seen?.blind).toBe(true);
    expect(seen?.face.label).toBeNull();
    expect(seen?.history).toEqual([]);
    expect(JSON.stringify(seen)).not.toContain('nomask_old');
    expect(JSON.stringify(seen)).not.toContain(ann.id);
    // others (and other faces) are unaffected
    expect((await faceForViewer(t.db, admin, face))?.face.label).toBe('nomask_old');
    expect((await faceForViewer(t.db, carl, other))?.face.label).toBe('nomask_old');

    // grids: the label filter leaves the face out, other views show it unlabelled
    const blind = await blindFaceIds(t.db, carl);
    expect([...blind]).toEqual([face]);
    for (const label of ['nomask_old', 'labelled'] as const) {
      const byLabel = await listFaces(t.db, { label, pageSize: 200 }, { blind });
      expect(byLabel.faces.map((f) => f.id)).toContain(other);
      expect(byLabel.faces.map((f) => f.id)).not.toContain(face);
    }
    const all = await listFaces(t.db, { pageSize: 200 }, { blind });
    expect(all.faces.find((f) => f.id === face)?.label).toBeNull();
    expect(all.faces.find((f) => f.id === other)?.label).toBe('nomask_old');
    // the photos view: the photo holds `other` too, so it is listed, but not because of `face`
    const photos = await listPhotos(t.db, { label: 'nomask_old' }, { blind });
    expect(photos.total).toBe(1);
    expect(redactBlind([{ id: face, label: 'nomask_old' }], blind)).toEqual([{ id: face, label: null }]);

    // labelling it would reveal the old label (and overwrite it)
    await expect(assignLabels(t.db, carl, [face], 'mask_old')).rejects.toThrow(/blind second opinion/);

    // once answered, nothing is hidden any more
    await answerReview(t.db, carl, review.id, 'nomask_old');
    expect((await faceForViewer(t.db, carl, face))?.face.label).toBe('nomask_old');
    expect((await blindFaceIds(t.db, carl)).size).toBe(0);
  });
});
