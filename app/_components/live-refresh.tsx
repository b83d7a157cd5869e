'use client';
// Keeps a server-rendered page current while a background job runs: router.refresh() every
// `everyMs` while `active`, and once more when it turns inactive (the job ended), so the job's
// state, its results and everything derived from them (split counts, hints, progress) update
// without a reload. One for every page that shows a job; nothing renders.
import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';

export function useLiveRefresh(active: boolean, everyMs: number | null = 2000): void {
  const router = useRouter();
  const was = useRef(active);
  useEffect(() => {
    if (was.current && !active) router.refresh();
    was.current = active;
    if (!active || !everyMs) return;
    const t = setInterval(() => router.refresh(), everyMs);
    return () => clearInterval(t);
  }, [active, everyMs, router]);
}

/** `<LiveRefresh active={jobIsQueuedOrRunning} />` in a server page. */
export function LiveRefresh({ active, everyMs = 2000 }: { active: boolean; everyMs?: number }) {
  useLiveRefresh(active, everyMs);
  return null;
}
