// A run's slice table: accuracy, per-class recall and the confusion matrix within each slice, the
// worst slice highlighted (with a warning when it trails the rest of its dimension), every slice's
// faces one click away (?slice=<dim>:<value>, &set=<evaluation set>).
import Link from 'next/link';
import { SLICE_DIM_NAMES, type SliceDim, type Slices } from '@/lib/training/slices';
import { Row, Table } from '@/app/_components/table';
import { PctWithInterval } from './small-sample';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
const short = (c: string) => c.replace('_', ' ');

export function sliceHref(runId: string, set: string | null, dim: SliceDim, value: string) {
  const q = new URLSearchParams({ slice: `${dim}:${value}` });
  if (set) q.set('set', set);
  return `/training/${runId}?${q.toString()}#slice-faces`;
}

export function SliceReport({ slices, runId, set, testId }: { slices: Slices; runId: string; set: string | null; testId: string }) {
  const w = slices.worst;
  return (
    <div className="space-y-4" data-testid={testId}>
      {w ? (
        <p className={w.warning ? 'alert-error' : 'text-sm text-slate-700'} data-testid={w.warning ? 'worst-slice-warning' : 'worst-slice'} role={w.warning ? 'alert' : undefined}>
          {w.warning ? 'Warning: ' : ''}the worst slice is <strong>{SLICE_DIM_NAMES[w.dim]}: {w.value}</strong> with {pct(w.accuracy)} on {w.n} faces
          {w.restAccuracy !== null && (
            <>
              , against {pct(w.restAccuracy)} on the rest of that dimension
              {(w.gap ?? 0) > 0 && <> ({(100 * w.gap!).toFixed(1)} points behind)</>}
            </>
          )}
          {w.warning && '. The model may have learnt a shortcut of the training data'}.{' '}
          <Link className="text-indigo-700 underline" href={sliceHref(runId, set, w.dim, w.value)}>
            Show its faces
          </Link>
        </p>
      ) : (
        <p className="text-sm text-slate-600">No slice has {slices.minN} faces or more beside another value of its dimension.</p>
      )}
      {slices.dims.map((d) => (
        <div key={d.dim} className="overflow-x-auto">
          <h4 className="mb-1 text-sm font-medium">{SLICE_DIM_NAMES[d.dim]}</h4>
          <Table testId={`slices-${d.dim}`} head={['Value', 'Faces', 'Accuracy', 'Rest of dimension', ...slices.classes.map((c) => `Recall ${short(c)}`), 'Confusion (rows true)']}>
            {d.values.map((v) => {
              const worst = w?.dim === d.dim && w.value === v.value;
              return (
                <Row
                  key={v.value}
                  testId={worst ? 'worst-slice-row' : undefined}
                  className={worst ? (w!.warning ? 'bg-red-50' : 'bg-amber-50') : v.n < slices.minN ? 'text-slate-500' : ''}
                  head={
                    <Link className="text-indigo-700 underline" href={sliceHref(runId, set, d.dim, v.value)}>
                      {v.value}
                    </Link>
                  }
                  cells={[
                    v.n,
                    <PctWithInterval key="acc" k={v.confusion.reduce((a, row, t) => a + row[t], 0)} n={v.n} />,
                    pct(v.restAccuracy),
                    ...v.confusion.map((row, t) => <PctWithInterval key={`r${t}`} k={row[t]} n={row.reduce((a, b) => a + b, 0)} />),
                    <code key="c" className="text-xs whitespace-nowrap">
                      {v.confusion.map((row) => row.join(' ')).join(' | ')}
                    </code>,
                  ]}
                />
              );
            })}
          </Table>
        </div>
      ))}
      <p className="text-xs text-slate-500">
        Slices with fewer than {slices.minN} faces are greyed and never named the worst. Below each accuracy and recall: its 95% interval (Wilson). Confusion: one group per true class ({slices.classes.map(short).join(', ')}), counts per
        predicted class in the same order.
      </p>
    </div>
  );
}
