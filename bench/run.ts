// `npm run bench [-- name…]`: runs every benchmark module in bench/ (or the named ones)
// and prints one table. A module exports `bench(): Promise<BenchRow[]>`; it reads the
// larger data sets from ../shared/data and says so when they are missing. A module that
// exports `optIn = true` (the load test: it starts its own server) runs only when named.
// Options (`--seconds 30`) are left in process.argv for the modules to read.
import fs from 'node:fs';
import path from 'node:path';

export type BenchRow = { benchmark: string; value: number | string; unit: string; goal?: string; note?: string };

async function main() {
  const args = process.argv.slice(2);
  // Names are the arguments that are neither options nor an option's value.
  const only = args.filter((a, i) => !a.startsWith('-') && !(i > 0 && /^--[^=]+$/.test(args[i - 1]) && !/^--(no-)?keep$/.test(args[i - 1])));
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.ts') && !['run.ts'].includes(f) && !f.endsWith('.d.ts'))
    .filter((f) => only.length === 0 || only.includes(path.basename(f, '.ts')))
    .sort();
  const rows: BenchRow[] = [];
  for (const f of files) {
    const mod = (await import(path.join(__dirname, f))) as { bench?: () => Promise<BenchRow[]>; optIn?: boolean };
    if (typeof mod.bench !== 'function') continue;
    if (mod.optIn && !only.includes(path.basename(f, '.ts'))) continue;
    const t0 = Date.now();
    console.error(`bench: ${f}…`);
    try {
      rows.push(...(await mod.bench()));
    } catch (err) {
      rows.push({ benchmark: path.basename(f, '.ts'), value: 'failed', unit: '', note: (err as Error).message });
    }
    console.error(`bench: ${f} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const fmt = (v: number | string) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  const table = rows.map((r) => [r.benchmark, fmt(r.value), r.unit, r.goal ?? '', r.note ?? '']);
  const head = ['benchmark', 'value', 'unit', 'goal', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => String(r[i]).length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of table) console.log(line(r.map(String)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
