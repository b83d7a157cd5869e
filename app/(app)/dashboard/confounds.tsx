// The dashboard's confound sections: per class the share of apparent women/men and of each photo
// source and import batch, the warnings, and the (class × apparent gender) cells to collect next.
import { CLASS_NAMES } from '@/lib/classes';
import { type ConfoundReport, type ShortCell, womenShare } from '@/lib/dataset/confounds';
import { Row, Table } from '@/app/_components/table';

const pct = (v: number) => `${Math.round(v * 100)}%`;
const share = (n: number, of: number) => (of ? `${pct(n / of)} (${n})` : '—');
const SOURCES = ['upload', 'import', 'camera'];

export function GenderCells({ cells, unknown }: { cells: ShortCell[]; unknown: number }) {
  return (
    <div className="mt-3 space-y-1 text-sm">
      <h3 className="font-medium">By apparent gender</h3>
      {cells.length === 0 ? (
        <p className="text-slate-600">No class × gender cell is short{unknown ? ` among the faces of known apparent gender` : ''}.</p>
      ) : (
        <ol className="list-decimal space-y-1 pl-5" data-testid="collect-next-cells">
          {cells.map((c) => (
            <li key={`${c.cls}-${c.gender}`}>
              <strong>{c.name}</strong>: {c.count} ({c.gender === 'female' ? 'men' : 'women'}: {c.other}), {c.missing} more
            </li>
          ))}
        </ol>
      )}
      {unknown > 0 && <p className="text-xs text-slate-500">{unknown} labelled faces have no apparent gender yet and are not counted here.</p>}
    </div>
  );
}

export function ConfoundTable({ report }: { report: ConfoundReport }) {
  const sources = [...new Set([...SOURCES, ...report.rows.flatMap((r) => Object.keys(r.sources))])].filter((s) =>
    report.rows.some((r) => r.sources[s]),
  );
  return (
    <>
      {report.warnings.length > 0 && (
        <ul className="space-y-2" data-testid="confound-warnings">
          {report.warnings.map((w) => (
            <li key={`${w.kind}-${w.a}-${w.b}`} role="alert" className="alert-warning" data-testid="confound-warning">
              {w.message}
            </li>
          ))}
        </ul>
      )}
      <Table label="Gender, source and import batch per class" head={['Class', 'Women', 'Men', 'Gender unknown', ...sources.map((s) => `Source: ${s}`), 'Import batches']} testId="confound-table">
        {report.rows.map((r) => {
          const known = r.female + r.male;
          const w = womenShare(r);
          const batches = Object.entries(r.batches).sort((a, b) => b[1] - a[1]);
          return (
            <Row
              key={r.cls}
              head={CLASS_NAMES[r.cls]}
              testId={`confounds-${r.cls}`}
              cells={[
                w === null ? '—' : share(r.female, known),
                w === null ? '—' : share(r.male, known),
                r.unknown,
                ...sources.map((s) => share(r.sources[s] ?? 0, r.total)),
                batches.length ? batches.map(([b, n]) => `${b} ${pct(n / r.total)}`).join(', ') : '—',
              ]}
            />
          );
        })}
      </Table>
    </>
  );
}
