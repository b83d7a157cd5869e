// The plain data table every page uses: a header row, then rows with an optional row header.
// It sits in a labelled, keyboard-focusable region that scrolls sideways when the table is wider
// than the screen (phones), so the page itself never does.
import type { ReactNode } from 'react';

/** A sideways-scrolling, focusable, named region for anything wider than a phone (tables, matrices). */
export function ScrollRegion({ label, children, className = '' }: { label: string; children: ReactNode; className?: string }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} className={`scroll-x ${className}`}>
      {children}
    </div>
  );
}

export function Table({ head, children, testId, className = '', label }: { head: ReactNode[]; children: ReactNode; testId?: string; className?: string; label?: string }) {
  return (
    <ScrollRegion label={label ?? 'Table'}>
      <table className={`w-full text-left text-sm tabular-nums ${className}`} data-testid={testId}>
        <thead className="text-slate-600">
          <tr>
            {head.map((h, i) => (
              <th key={i} scope="col" className="py-2 pr-4 last:pr-0">
                {h === '' || h === null || h === undefined ? <span className="sr-only">Actions</span> : h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </ScrollRegion>
  );
}

export function Row({ head, cells, testId, className = '' }: { head?: ReactNode; cells: ReactNode[]; testId?: string; className?: string }) {
  return (
    <tr className={`border-t border-slate-100 ${className}`} data-testid={testId}>
      {head !== undefined && (
        <th scope="row" className="py-2 pr-4 font-medium">
          {head}
        </th>
      )}
      {cells.map((c, i) => (
        <td key={i} className="py-2 pr-4 last:pr-0">
          {c}
        </td>
      ))}
    </tr>
  );
}
