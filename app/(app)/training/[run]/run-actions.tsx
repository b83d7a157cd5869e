'use client';

import { useState, useTransition } from 'react';
import { useRouter } from 'next/navigation';
import { promoteAction } from '../actions';

export function PromoteButton({ id }: { id: string }) {
  const [err, setErr] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const router = useRouter();
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        className="btn-secondary"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const r = await promoteAction({ id });
            if (!r.ok) setErr(r.error);
            else router.refresh();
          })
        }
      >
        Promote this model
      </button>
      {err && (
        <span role="alert" className="alert-error">
          {err}
        </span>
      )}
    </span>
  );
}
