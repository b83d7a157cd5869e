'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';

export function DeletePhotoButton({ id, faces }: { id: string; faces: number }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div className="flex flex-col items-end gap-1">
      <button
        type="button"
        className="btn-danger"
        disabled={busy}
        onClick={async () => {
          if (!window.confirm(`Delete this photo and its ${faces} ${faces === 1 ? 'sample' : 'samples'} (with their labels)? This cannot be undone.`)) return;
          setBusy(true);
          setError(null);
          const res = await fetch(`/api/photos/${id}`, { method: 'DELETE' });
          if (res.ok) {
            router.push('/gallery?view=photos');
            router.refresh();
          } else {
            setError(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${res.status}`);
            setBusy(false);
          }
        }}
      >
        Delete photo
      </button>
      {error && (
        <p role="alert" className="alert-error">
          {error}
        </p>
      )}
    </div>
  );
}
