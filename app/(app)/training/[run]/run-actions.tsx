'use client';

import { useRouter } from 'next/navigation';
import { Message } from '@/app/_components/message';
import { useAction } from '@/app/_components/use-action';
import { promoteAction } from '../actions';

export function PromoteButton({ id }: { id: string }) {
  const { msg, pending, run } = useAction();
  const router = useRouter();
  return (
    <span className="inline-flex items-center gap-2">
      <button type="button" className="btn-secondary" disabled={pending} onClick={() => run(() => promoteAction({ id }), () => router.refresh())}>
        Promote this model
      </button>
      <Message msg={msg} />
    </span>
  );
}
