// A run's slice table: accuracy, per-class recall and the confusion matrix within each slice, the
// worst slice highlighted (with a warning when it trails the rest of its dimension), every slice's
// faces one click away (?slice=<dim>:<value>, &set=<evaluation set>).
import Link from 'next/link';
import { SLICE_DIM_NAMES, type SliceDim, type Slices } from '@/lib/training/slices';
import { Row, Table } from '@/app/_components/table';
import { PctWithInterval } from './small-sample';
import { labelName } from '@/app/_components/class-badge';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
const ATTRIBUTE_NAMES: Record<string, string> = { old: 'Old', young: 'Young', mask: 'Mask', nomask: 'No mask' };
/** A label of the slice's label space in words: a class ("Mask, old") or an attribute ("No mask"). */
const short = (c: string) => ATTRIBUTE_NAMES[c] ?? labelName(c);

/** A slice's confusion as a small matrix: rows the true class, columns the predicted one, both named. */
function MiniMatrix({ classes, confusion, of }: { classes: string[]; confusion: number[][]; of: string }) {
  return (
    <table className="text-[11px] leading-tight" data-testid="slice-confusion">
      <caption className="sr-only">Confusion within {of}: rows are the true class, columns the predicted class</caption>
      <thead>
        <tr>
          <td className="pr-1 text-right text-slate-600">true ↓ / predicted →</td>
          {classes.map((c) => (
            <th key={c} scope="col" className="max-w-16 px-1 font-medium text-slate-600">
              {short(c)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {confusion.map((row, t) => (
          <tr key={t}>
            <th scope="row" className="pr-1 text-right font-medium whitespace-nowrap text-slate-600">
              {short(classes[t])}
            </th>
            {row.map((n, p) => (
              <td key={p} className={`px-1 text-center ${n === 0 ? 'text-slate-500' : t === p ? 'font-semibold' : 'font-semibold text-red-700'}`}>
                {n}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

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
        <p className={w.warning ? 'alert-warning' : 'text-sm text-slate-700'} data-testid={w.warning ? 'worst-slice-warning' : 'worst-slice'} role={w.warning ? 'alert' : undefined}>
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
        <div key={d.dim}>
          <h3 className="mb-1 text-sm font-medium">{SLICE_DIM_NAMES[d.dim]}</h3>
          <Table
            testId={`slices-${d.dim}`}
            label={`Slices by ${SLICE_DIM_NAMES[d.dim].toLowerCase()}`}
            head={['Value', 'Faces', 'Accuracy', 'Rest of dimension', ...slices.classes.map((c) => `Recall: ${short(c)}`), 'Confusion']}
          >
            {d.values.map((v) => {
              const worst = w?.dim === d.dim && w.value === v.value;
              return (
                <Row
                  key={v.value}
                  testId={worst ? 'worst-slice-row' : undefined}
                  className={worst ? (w!.warning ? 'bg-amber-50' : 'bg-slate-100') : v.n < slices.minN ? 'text-slate-600' : ''}
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
                    <MiniMatrix key="c" classes={slices.classes} confusion={v.confusion} of={`${SLICE_DIM_NAMES[d.dim]}: ${v.value}`} />,
                  ]}
                />
              );
            })}
          </Table>
        </div>
      ))}
      <p className="text-xs text-slate-600">
        Slices with fewer than {slices.minN} faces are greyed and never named the worst. Below each accuracy and recall: its 95% interval (Wilson). Confusion: how
        many faces of each true class (rows) the model gave each class (columns); mistakes in red.
      </p>
    </div>
  );
}
