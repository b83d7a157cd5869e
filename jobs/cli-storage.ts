// `storage check`'s report in words (stderr; stdout keeps the JSON): what was found, where, how
// large, why it is orphaned and what --fix does or did with it.
import type { StorageReport } from '../lib/housekeeping/storage-check';

const size = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

export function storageSummary(r: StorageReport, fix: boolean): string[] {
  const lines = [
    `storage check: ${r.photos} photo(s); store: ${r.missing.length} missing, ${r.orphans.length} orphan, ${r.temps.length} temporary file(s); ` +
      `${r.models.length} model folder(s) without a run; ${r.incoming.length} leftover upload file(s)${fix ? `; removed ${r.removed}` : ''}`,
  ];
  for (const m of r.models) {
    const then = m.removed
      ? 'removed'
      : m.state === 'pending'
        ? 'kept until its job is retried or gives up (is the worker running?)'
        : m.state === 'dead'
          ? fix ? 'could not be removed' : 'storage check --fix removes it'
          : fix ? 'kept: written less than 10 minutes ago' : 'storage check --fix removes it once it is 10 minutes old';
    lines.push(`model folder ${m.path} (${size(m.bytes)}, last written ${m.modified.toISOString()}): ${m.why} -> ${then}`);
  }
  for (const f of r.incoming) {
    const then = f.removed ? 'removed' : fix ? 'kept: written less than 10 minutes ago (may still be arriving)' : 'storage check --fix removes it once it is 10 minutes old';
    lines.push(`upload file ${f.path} (${size(f.bytes)}, last written ${f.modified.toISOString()}): ${f.why} -> ${then}`);
  }
  return lines;
}
