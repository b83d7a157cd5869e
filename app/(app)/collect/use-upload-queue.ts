'use client';
// The upload queue of the Collect page: picked files go up in chunks (images) or one by one
// (zips), a few requests at a time, with per-file progress; uploaded zips are then followed
// while their background import runs. Results are the ingest pipeline's own type.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { IngestResult } from '@/lib/dataset/ingest';
import { chunk, fetchImport, importFinished, type ImportProgress, type ImportView, isZip, type Picked, pool, sendImages, sendZip } from './transfer';

type Status = 'queued' | 'uploading' | 'processing' | 'done';
export type Item = {
  id: number;
  path: string;
  size: number;
  zip: boolean;
  status: Status;
  sent: number;
  results: IngestResult[];
  /** Zips: the background import job, and what it reported last. */
  jobId?: string;
  job?: Pick<ImportView, 'status' | 'error'> & { progress: Omit<ImportProgress, 'results'> };
};

type Action =
  | { type: 'add'; items: Item[] }
  | { type: 'patch'; id: number; patch: Partial<Item> }
  | { type: 'clear' };

function reducer(items: Item[], a: Action): Item[] {
  switch (a.type) {
    case 'add':
      return [...items, ...a.items];
    case 'patch':
      return items.map((i) => (i.id === a.id ? { ...i, ...a.patch } : i));
    case 'clear':
      return items.filter((i) => i.status !== 'done');
  }
}

/** This many requests run at once. */
const CONCURRENCY = 3;
/** How often running background imports are polled (ms). */
export const POLL_MS = 1000;

const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

export function useUploadQueue({ maxUploadBytes, maxZipBytes, label }: { maxUploadBytes: number; maxZipBytes: number; label: string }) {
  const [items, dispatch] = useReducer(reducer, []);
  const [busy, setBusy] = useState(false);
  const [importsVersion, setImportsVersion] = useState(0);
  const nextId = useRef(1);
  const queue = useRef<Item[]>([]);
  const files = useRef(new Map<number, Picked>());
  const running = useRef(false);
  const abort = useRef<AbortController | null>(null);
  const labelRef = useRef(label);
  labelRef.current = label;
  const run = useCallback(async () => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    abort.current = new AbortController();
    const signal = abort.current.signal;
    try {
      while (queue.current.length) {
        const batch = queue.current.splice(0);
        const zips = batch.filter((i) => i.zip);
        const images = batch.filter((i) => !i.zip);
        const jobs: Array<() => Promise<void>> = [
          ...chunk(images).map((group) => async () => {
            const picked = group.map((i) => files.current.get(i.id)!);
            for (const i of group) dispatch({ type: 'patch', id: i.id, patch: { status: 'uploading' } });
            const results = await sendImages(
              picked,
              { label: labelRef.current, source: 'upload' },
              (loaded) => {
                // Files go into the body in order: attribute the bytes sent so far file by file.
                let left = loaded;
                for (const i of group) {
                  const sent = Math.max(0, Math.min(i.size, left));
                  left -= i.size;
                  dispatch({ type: 'patch', id: i.id, patch: { sent, status: sent >= i.size ? 'processing' : 'uploading' } });
                }
              },
              signal,
            );
            group.forEach((i, k) => {
              dispatch({ type: 'patch', id: i.id, patch: { status: 'done', sent: i.size, results: results[k] ? [results[k]] : [] } });
              files.current.delete(i.id);
            });
          }),
          ...zips.map((i) => async () => {
            dispatch({ type: 'patch', id: i.id, patch: { status: 'uploading' } });
            const sent = await sendZip(
              files.current.get(i.id)!,
              labelRef.current,
              (loaded) => dispatch({ type: 'patch', id: i.id, patch: { sent: Math.min(loaded, i.size), status: 'uploading' } }),
              signal,
            );
            files.current.delete(i.id);
            if ('jobId' in sent) {
              // Stored: the import runs in the background (closing the tab does not stop it); polled below.
              dispatch({ type: 'patch', id: i.id, patch: { status: 'processing', sent: i.size, jobId: sent.jobId } });
              setImportsVersion((v) => v + 1);
            } else {
              dispatch({ type: 'patch', id: i.id, patch: { status: 'done', sent: i.size, results: [{ file: i.path, status: 'rejected', reason: sent.error }] } });
            }
          }),
        ];
        await pool(jobs, CONCURRENCY, (job) => job());
      }
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);

  const add = useCallback(
    (picked: Picked[]) => {
      if (picked.length === 0) return;
      const added: Item[] = picked.map((p) => {
        const id = nextId.current++;
        const zip = isZip(p.file);
        const max = zip ? maxZipBytes : maxUploadBytes;
        if (p.file.size > max) {
          // Refused here, as the server would (413), without sending it.
          const reason = `${zip ? 'the zip archive' : 'the photo'} is ${mb(p.file.size)}, over the ${mb(max)} limit`;
          return { id, path: p.path, size: p.file.size, zip, status: 'done', sent: p.file.size, results: [{ file: p.path, status: 'rejected', reason }] };
        }
        files.current.set(id, p);
        return { id, path: p.path, size: p.file.size, zip, status: 'queued', sent: 0, results: [] };
      });
      dispatch({ type: 'add', items: added });
      queue.current.push(...added.filter((i) => i.status === 'queued'));
      void run();
    },
    [run, maxUploadBytes, maxZipBytes],
  );

  // Background imports of uploaded zips: poll each until it has finished.
  const importing = items.filter((i) => i.jobId && i.status === 'processing').map((i) => [i.id, i.jobId!] as const);
  const importingKey = importing.map(([id]) => id).join(',');
  useEffect(() => {
    if (!importingKey) return;
    let stopped = false;
    const tick = async () => {
      for (const [id, jobId] of importing) {
        const v = await fetchImport(jobId);
        if (stopped || !v) continue;
        const { results, ...progress } = v.progress;
        const done = importFinished(v);
        dispatch({
          type: 'patch',
          id,
          patch: { job: { status: v.status, error: v.error, progress }, results, ...(done ? { status: 'done' as const } : {}) },
        });
        if (done) setImportsVersion((n) => n + 1);
      }
    };
    const t = setInterval(() => void tick(), POLL_MS);
    void tick();
    return () => {
      stopped = true;
      clearInterval(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `importing` is derived from the items importingKey names: polling restarts only when that set changes
  }, [importingKey]);

  return {
    items,
    busy,
    importing: importing.length > 0,
    importsVersion,
    add,
    cancel: () => abort.current?.abort(),
    clear: () => dispatch({ type: 'clear' }),
  };
}
