'use client';
// A button that queues a background job through a server action and says what happened.
import { useRouter } from 'next/navigation';
import type { ActionResult } from '@/app/_server/guard';
import { Message } from './message';
import { useAction } from './use-action';

export function QueueJobButton({ label, action, queued, already }: {
  label: string;
  action: () => Promise<ActionResult<{ alreadyQueued: boolean }>>;
  /** Said when the job was queued now. */
  queued: string;
  /** Said when one was queued or running already. */
  already: string;
}) {
  const router = useRouter();
  const { msg, pending, run } = useAction();
  return (
    <div className="flex flex-wrap items-center gap-3">
      <button
        type="button"
        className="btn-primary"
        disabled={pending}
        onClick={() =>
          run(action, ({ alreadyQueued }) => {
            router.refresh();
            return alreadyQueued ? already : queued;
          })
        }
      >
        {label}
      </button>
      <Message msg={msg} />
    </div>
  );
}
