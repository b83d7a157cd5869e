'use client';

import { useRouter } from 'next/navigation';
import { useLiveRefresh } from '@/app/_components/live-refresh';
import { Message } from '@/app/_components/message';
import { useAction } from '@/app/_components/use-action';
import type { FeaturesProgress } from '@/lib/features/queue';
import { computeApparentAction } from './actions';

/** Admins: queue the features job for the faces without apparent gender; its progress while it runs. */
export function ApparentForm({ pending, job }: { pending: number; job: { id: string; status: string; progress: FeaturesProgress | null } | null }) {
  const router = useRouter();
  const { msg, pending: busy, run } = useAction();
  useLiveRefresh(!!job);
  const p = job?.progress;
  return (
    <div className="space-y-2">
      {job ? (
        <p role="status" className="text-sm" data-testid="apparent-job">
          Computing apparent gender ({job.status}
          {p?.step === 'features' && p.features.total ? `: ${p.features.done} of ${p.features.total} faces` : ''}
          {p?.backfilled ? `, ${p.backfilled} from cached features` : ''})…
        </p>
      ) : (
        <button
          type="button"
          className="btn-secondary"
          disabled={busy || pending === 0}
          onClick={() =>
            run(
              () => computeApparentAction({}),
              (d) => {
                router.refresh();
                return d.alreadyQueued ? 'A job is already computing them.' : 'Queued: the worker computes them in the background.';
              },
            )
          }
        >
          Compute apparent gender for {pending} face{pending === 1 ? '' : 's'}
        </button>
      )}
      <Message msg={msg} />
    </div>
  );
}
