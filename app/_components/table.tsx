// The plain data table every page uses: a header row, then rows with an optional row header.
import type { ReactNode } from 'react';

export function Table({ head, children, testId, className = '' }: { head: ReactNode[]; children: ReactNode; testId?: string; className?: string }) {
  return (
    <table className={`w-full text-left text-sm tabular-nums ${className}`} data-testid={testId}>
      <thead className="text-slate-500">
        <tr>
          {head.map((h, i) => (
            <th key={i} className="py-2 pr-4 last:pr-0">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
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
