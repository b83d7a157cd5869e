'use client';
// The account menu: a <details> that also closes when a page is opened, on Escape, or on a click elsewhere.
import { usePathname } from 'next/navigation';
import { useEffect, useRef } from 'react';

export function UserMenu({ summary, children }: { summary: React.ReactNode; children: React.ReactNode }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const path = usePathname();
  useEffect(() => {
    if (ref.current) ref.current.open = false;
  }, [path]);
  useEffect(() => {
    const close = (e: Event) => {
      const d = ref.current;
      if (!d?.open) return;
      if (e instanceof KeyboardEvent) {
        if (e.key !== 'Escape') return;
        d.open = false;
        d.querySelector('summary')?.focus();
      } else if (!d.contains(e.target as Node)) d.open = false;
    };
    document.addEventListener('click', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('click', close);
      document.removeEventListener('keydown', close);
    };
  }, []);
  return (
    <details ref={ref} className="relative ml-auto" data-testid="user-menu">
      <summary className="btn-secondary min-h-11 cursor-pointer list-none" aria-label="User menu">
        {summary}
      </summary>
      <div className="absolute right-0 z-20 mt-2 w-60 max-w-[calc(100vw-2rem)] rounded-md border border-slate-200 bg-surface p-1 shadow-lg">{children}</div>
    </details>
  );
}
