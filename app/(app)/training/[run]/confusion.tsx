'use client';

import { useState } from 'react';
import { labelName } from '@/app/_components/class-badge';
import { ScrollRegion } from '@/app/_components/table';

type Pred = { faceId: string; t: number; p: number; confidence: number };

/** Confusion-matrix heatmap (rows: true class, columns: predicted); a cell opens its faces. */
export function ConfusionMatrix({ classes, matrix, predictions }: { classes: string[]; matrix: number[][]; predictions: Pred[] }) {
  const [open, setOpen] = useState<{ t: number; p: number } | null>(null);
  const rowTotals = matrix.map((r) => r.reduce((a, b) => a + b, 0));
  const faces = open ? predictions.filter((x) => x.t === open.t && x.p === open.p) : [];
  const name = labelName;
  return (
    <div className="space-y-4">
      <ScrollRegion label="Confusion matrix">
      <table className="border-collapse text-sm" data-testid="confusion">
        <caption className="mb-2 text-left text-slate-600">Rows: true class. Columns: predicted class. Select a cell to see its faces.</caption>
        <thead>
          <tr>
            <td />
            {classes.map((c) => (
              <th key={c} scope="col" className="px-2 py-1 text-xs font-medium text-slate-600">
                {name(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, t) => (
            <tr key={t}>
              <th scope="row" className="pr-2 text-right text-xs font-medium text-slate-600">
                {name(classes[t])}
              </th>
              {row.map((n, p) => {
                const share = rowTotals[t] ? n / rowTotals[t] : 0;
                const diag = t === p;
                // Green on the diagonal, red off it, stronger with the row's share; the text stays the body colour (readable in both themes).
                const tint = diag ? 'cm-good' : n ? 'cm-bad' : '';
                const selected = open?.t === t && open?.p === p;
                return (
                  <td key={p} className="p-0.5">
                    <button
                      type="button"
                      className={`h-12 w-16 rounded text-base font-semibold text-slate-900 sm:h-14 sm:w-20 ${tint ? `cm-cell ${tint}` : 'bg-slate-100'} ${selected ? 'ring-2 ring-indigo-600' : ''}`}
                      style={tint ? ({ '--cm-share': 0.25 + 0.75 * share } as React.CSSProperties) : undefined}
                      aria-pressed={selected}
                      aria-label={`${n} faces labelled ${name(classes[t])} predicted ${name(classes[p])}`}
                      onClick={() => setOpen(selected ? null : { t, p })}
                      data-testid={`cell-${t}-${p}`}
                    >
                      {n}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      </ScrollRegion>
      {open && (
        <section aria-live="polite" data-testid="cell-faces">
          <h3 className="mb-2 text-sm font-medium">
            Labelled {name(classes[open.t])}, predicted {name(classes[open.p])}: {faces.length} face{faces.length === 1 ? '' : 's'}
          </h3>
          {faces.length === 0 ? (
            <p className="text-sm text-slate-500">None.</p>
          ) : (
            <ul className="flex flex-wrap gap-2">
              {faces.map((f) => (
                <li key={f.faceId} className="text-center text-xs text-slate-600">
                  <a href={`/faces/${f.faceId}`} aria-label={`Open face ${f.faceId} (relabel it there)`}>
                    <img src={`/api/faces/${f.faceId}/image`} alt={`face ${f.faceId}`} width={96} height={96} className="h-24 w-24 rounded object-cover" />
                  </a>
                  {(100 * f.confidence).toFixed(0)}%
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
