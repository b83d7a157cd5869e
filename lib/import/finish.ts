// The end of an import (a zip upload's job, a CLI `import`): once every photo is stored, the new
// faces get suggestions (when a model is promoted; not for evaluation sets, which the team does not
// label) and the `import.finished` webhook is queued. One ending, so both send the same event.
import path from 'node:path';
import { config } from '../config';
import type { Db } from '../db';
import { suggestAfterImport } from '../suggest/queue';
import { appLink, emitEventSafely } from '../webhooks/events';

export type ImportCounts = { entries: number; added: number; duplicate: number; rejected: number; faces: number };

export async function finishImport(
  db: Db,
  imp: {
    /** The zip import's job; null for the CLI. */
    importId: string | null;
    /** What the user imported: the uploaded zip's name, or the file or folder's name (never a server path). */
    name: string;
    source: 'zip' | 'cli';
    uploaderId: string;
    label: string | null;
    evalSet: string | null;
    counts: ImportCounts;
  },
): Promise<void> {
  if (imp.counts.added > 0 && !imp.evalSet) await suggestAfterImport(db, imp.uploaderId);
  // Everything is stored by now; a failure to queue the event is logged, the import stands.
  await emitEventSafely(db, 'import.finished', { runId: null, ...imp, name: path.basename(imp.name), url: appLink(config(), '/collect') });
}
