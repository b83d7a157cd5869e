import type { Metadata } from 'next';
import { pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { may } from '@/lib/auth/policy';
import { listDisagreements, nextReview, pendingReviewCount, reviewCounts } from '@/lib/dataset/reviews';
import { DisagreementRow, RequestReviewsForm, ReviewDesk } from './review-forms';

export const metadata: Metadata = { title: 'Reviews' };

export default async function ReviewsPage() {
  const actor = await pageGuard('labeler', '/reviews');
  const admin = may.manageReviews(actor);
  const [review, waiting] = await Promise.all([nextReview(db(), actor), pendingReviewCount(db(), actor)]);
  const [disagreements, counts] = admin ? await Promise.all([listDisagreements(db()), reviewCounts(db())]) : [null, null];
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Second opinions</h1>
      <section className="card" aria-labelledby="my-queue">
        <h2 id="my-queue" className="mb-2 font-medium">
          Your queue
        </h2>
        <ReviewDesk key={review?.reviewId ?? 'none'} review={review} waiting={waiting} />
      </section>
      {admin && disagreements && counts && (
        <>
          <section className="card space-y-2" aria-labelledby="ask">
            <h2 id="ask" className="font-medium">
              Ask for second opinions
            </h2>
            <p className="text-sm text-slate-600">
              Picks labelled faces at random and shows each, without its label, to a labeler who did not label it. Now: {counts.pending} pending,{' '}
              {counts.agreed} agreed, {counts.disagreed} disagreements open, {counts.resolved} resolved.
            </p>
            <RequestReviewsForm />
          </section>
          <section aria-labelledby="disagreements" className="space-y-2">
            <h2 id="disagreements" className="font-medium">
              Disagreements to resolve ({disagreements.total})
            </h2>
            {disagreements.total === 0 ? (
              <p className="text-sm text-slate-600">None.</p>
            ) : (
              <ul className="space-y-2">
                {disagreements.items.map((d) => (
                  <DisagreementRow key={d.reviewId} d={d} />
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </div>
  );
}
