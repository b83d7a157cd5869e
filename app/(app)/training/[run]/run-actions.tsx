'use client';
// Promoting a model by hand asks first, and says on how many test faces the comparison with the
// promoted model rests (both are scored on this run's test split), with the accuracy's interval.
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Message } from '@/app/_components/message';
import { useAction } from '@/app/_components/use-action';
import { intervalOfRatio, tooSmallToTell } from '@/lib/training/interval';
import { promoteAction } from '../actions';

export function PromoteButton({ id, testFaces, accuracy, label = 'Promote this model', onPromoted }: {
  id: string;
  /** Faces of this run's test split (null: unknown). */
  testFaces: number | null;
  accuracy: number | null;
  label?: string;
  /** After a promotion (default: refresh the page). */
  onPromoted?: () => void;
}) {
  const { msg, pending, run } = useAction();
  const router = useRouter();
  const [asking, setAsking] = useState(false);
  const small = testFaces !== null ? tooSmallToTell(testFaces) : null;
  if (!asking) {
    return (
      <span className="inline-flex items-center gap-2">
        <button type="button" className="btn-secondary" disabled={pending} onClick={() => setAsking(true)}>
          {label}
        </button>
        <Message msg={msg} />
      </span>
    );
  }
  return (
    <span role="group" aria-label="Confirm the promotion" className="inline-flex flex-wrap items-center gap-2 rounded-md border border-amber-300 bg-amber-50 p-2 text-sm" data-testid="promote-confirm">
      <span>
        Serve this model to everyone instead of the promoted one?{' '}
        {testFaces
          ? `The comparison rests on ${testFaces} test face${testFaces === 1 ? '' : 's'}${accuracy !== null ? ` (accuracy ${(100 * accuracy).toFixed(1)}%, 95% interval ${intervalOfRatio(accuracy, testFaces)})` : ''}.`
          : 'This run has no test faces to compare on.'}
        {small ? ' Too few to tell the two models apart.' : ''}
      </span>
      <button
        type="button"
        className="btn-primary"
        disabled={pending}
        onClick={() =>
          run(
            () => promoteAction({ id }),
            () => {
              setAsking(false);
              if (onPromoted) onPromoted();
              else router.refresh();
              return 'Promoted';
            },
          )
        }
      >
        Yes, promote
      </button>
      <button type="button" className="btn-secondary" disabled={pending} onClick={() => setAsking(false)}>
        Keep the current model
      </button>
      <Message msg={msg} />
    </span>
  );
}
