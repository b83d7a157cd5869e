'use client';

import { useState } from 'react';

type Pred = { faceId: string; t: number; p: number; confidence: number };

/** Confusion-matrix heatmap (rows: true class, columns: predicted); a cell opens its faces. */
export function ConfusionMatrix({ classes, matrix, predictions }: { classes: string[]; matrix: number[][]; predictions: Pred[] }) {
  const [open, setOpen] = useState<{ t: number; p: number } | null>(null);
  const rowTotals = matrix.map((r) => r.reduce((a, b) => a + b, 0));
  const faces = open ? predictions.filter((x) => x.t === open.t && x.p === open.p) : [];
  const name = (c: string) => c.replace('_', ' ');
  return (
    <div className="space-y-4">
      <table className="border-collapse text-sm" data-testid="confusion">
        <caption className="mb-2 text-left text-slate-600">Rows: true class. Columns: predicted class. Select a cell to see its faces.</caption>
        <thead>
          <tr>
            <th />
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
                const bg = diag ? `rgba(5,150,105,${0.1 + 0.8 * share})` : n ? `rgba(220,38,38,${0.15 + 0.8 * share})` : '#f8fafc';
                const selected = open?.t === t && open?.p === p;
                return (
                  <td key={p} className="p-0.5">
                    <button
                      type="button"
                      className={`h-14 w-20 rounded text-base font-semibold ${share > 0.5 ? 'text-white' : 'text-slate-900'} ${selected ? 'ring-2 ring-indigo-600' : ''}`}
                      style={{ background: bg }}
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
