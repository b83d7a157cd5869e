// Figures measured on few faces: the warning above them (lib/training/interval.ts tooSmallToTell)
// and a percentage with its 95% Wilson interval below it.
import { wilson } from '@/lib/training/interval';

export function SmallSampleWarning({ what, warning }: { what: string; warning: string | null }) {
  if (!warning) return null;
  return (
    <p className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900" role="note" data-testid="small-sample-warning">
      <strong>{what} is too small to tell.</strong> {warning.replace(/^Too few faces to tell: /, 'It has ')}
    </p>
  );
}

/** "72.0%" with its 95% interval below in small type: k of n. */
export function PctWithInterval({ k, n }: { k: number; n: number }) {
  if (!n) return <>–</>;
  const { lo, hi } = wilson(k, n);
  return (
    <span className="whitespace-nowrap">
      {((100 * k) / n).toFixed(1)}%
      <span className="block text-xs text-slate-500">
        95%: {(100 * lo).toFixed(0)}–{(100 * hi).toFixed(0)}%
      </span>
    </span>
  );
}
