// Browser side of uploads: gathering files from drops and pickers, and sending them with
// progress. Files are never read into memory here: each request streams one File.

import type { IngestResult } from '@/lib/dataset/ingest';
import type { ImportView } from '@/lib/import/progress';

/** What the server answers per file: the ingest pipeline's result. */
export type Result = IngestResult;

export type Picked = { file: File; path: string };

const skip = (name: string) => name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini';

type FsEntry = {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath: string;
  file?: (ok: (f: File) => void, err: (e: unknown) => void) => void;
  createReader?: () => { readEntries: (ok: (es: FsEntry[]) => void, err: (e: unknown) => void) => void };
};

async function walkEntry(entry: FsEntry, out: Picked[]): Promise<void> {
  if (skip(entry.name) || entry.name === '__MACOSX') return;
  if (entry.isFile && entry.file) {
    const file = await new Promise<File>((ok, err) => entry.file!(ok, err));
    out.push({ file, path: entry.fullPath.replace(/^\//, '') });
  } else if (entry.isDirectory && entry.createReader) {
    const reader = entry.createReader();
    // readEntries returns at most ~100 entries per call: read until it returns none.
    for (;;) {
      const batch = await new Promise<FsEntry[]>((ok, err) => reader.readEntries(ok, err));
      if (batch.length === 0) break;
      for (const e of batch) await walkEntry(e, out);
    }
  }
}

/** Files (recursively through dropped folders) from a drop event. */
export async function filesFromDrop(dt: DataTransfer): Promise<Picked[]> {
  const out: Picked[] = [];
  const entries = Array.from(dt.items)
    .map((i) => (i.kind === 'file' ? ((i.webkitGetAsEntry?.() ?? null) as unknown as FsEntry | null) : null))
    .filter((e): e is FsEntry => e !== null);
  if (entries.length === 0) {
    for (const f of Array.from(dt.files)) if (!skip(f.name)) out.push({ file: f, path: f.name });
    return out;
  }
  for (const e of entries) await walkEntry(e, out);
  return out;
}

/** Files from an <input type=file> (with webkitdirectory: paths inside the chosen folder). */
export function filesFromInput(list: FileList | null): Picked[] {
  return Array.from(list ?? [])
    .filter((f) => !skip(f.name) && !f.webkitRelativePath.split('/').some((s) => skip(s) || s === '__MACOSX'))
    .map((f) => ({ file: f, path: f.webkitRelativePath || f.name }));
}

export const isZip = (f: File) => /\.zip$/i.test(f.name) || f.type === 'application/zip' || f.type === 'application/x-zip-compressed';

type Progress = (loaded: number, total: number) => void;

function errorOf(xhr: XMLHttpRequest): string {
  try {
    return (JSON.parse(xhr.responseText) as { error?: string }).error ?? `HTTP ${xhr.status}`;
  } catch {
    return xhr.status ? `HTTP ${xhr.status}` : 'network error';
  }
}

/** Sends image files (multipart) to /api/photos; resolves with one result per file. */
export function sendImages(
  files: Picked[],
  opts: { label: string; source: 'upload' | 'camera' },
  onProgress: Progress,
  signal?: AbortSignal,
): Promise<Result[]> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const fail = (reason: string) => resolve(files.map((f) => ({ file: f.path, status: 'rejected', reason })));
    xhr.open('POST', '/api/photos');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total);
    xhr.onload = () => {
      if (xhr.status === 200) {
        const r = (JSON.parse(xhr.responseText) as { results: Result[] }).results;
        // The server names files by their File.name; show the path the user picked.
        resolve(r.map((x, i) => (files.length === r.length ? { ...x, file: files[i].path } : x)));
      } else fail(errorOf(xhr));
    };
    xhr.onerror = () => fail('network error');
    xhr.onabort = () => fail('cancelled');
    signal?.addEventListener('abort', () => xhr.abort());
    const form = new FormData();
    // The path inside a picked folder is the name the photo is stored (and shown) under.
    for (const f of files) form.append('files', f.file, f.path);
    if (opts.label) form.append('label', opts.label);
    form.append('source', opts.source);
    xhr.send(form);
  });
}

/**
 * Sends a zip as the raw body to /api/photos/zip. The server stores it and imports it in the
 * background: resolves with the import job's id, or the reason the upload was refused.
 */
export function sendZip(picked: Picked, label: string, onProgress: Progress, signal?: AbortSignal): Promise<{ jobId: string } | { error: string }> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const q = new URLSearchParams({ name: picked.path });
    if (label) q.set('label', label);
    xhr.open('POST', `/api/photos/zip?${q}`);
    xhr.setRequestHeader('Content-Type', 'application/zip');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total);
    xhr.onload = () => {
      if (xhr.status === 202) resolve({ jobId: (JSON.parse(xhr.responseText) as { jobId: string }).jobId });
      else resolve({ error: errorOf(xhr) });
    };
    xhr.onerror = () => resolve({ error: 'network error' });
    xhr.onabort = () => resolve({ error: 'cancelled' });
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(picked.file);
  });
}

export type { ImportProgress, ImportView } from '@/lib/import/progress';
export const importFinished = (v: ImportView) => v.status !== 'queued' && v.status !== 'running';

/** One background import (GET /api/imports/<id>), or null when it cannot be read right now. */
export async function fetchImport(jobId: string): Promise<ImportView | null> {
  try {
    const res = await fetch(`/api/imports/${encodeURIComponent(jobId)}`, { cache: 'no-store' });
    return res.ok ? ((await res.json()) as ImportView) : null;
  } catch {
    return null;
  }
}

/** The user's recent background imports, newest first. */
export async function fetchRecentImports(): Promise<ImportView[] | null> {
  try {
    const res = await fetch('/api/imports', { cache: 'no-store' });
    return res.ok ? ((await res.json()) as { imports: ImportView[] }).imports : null;
  } catch {
    return null;
  }
}

/** Requests carry at most this many images / bytes; a larger file goes alone. */
export const CHUNK_FILES = 5;
export const CHUNK_BYTES = 8 * 1024 * 1024;

/** Groups files (in order) into requests of at most CHUNK_FILES files and CHUNK_BYTES, a larger file alone. */
export function chunk<T extends { size: number }>(items: T[], maxFiles = CHUNK_FILES, maxBytes = CHUNK_BYTES): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const it of items) {
    if (cur.length && (cur.length >= maxFiles || bytes + it.size > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += it.size;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Runs `worker` over `items` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length) await worker(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}
