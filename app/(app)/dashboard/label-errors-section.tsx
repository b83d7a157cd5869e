// The Dashboard's data-quality figures of the label-error finder and the dataset map (a server component).
import Link from 'next/link';
import { db } from '@/lib/db';
import { SUSPECT_SCORE } from '@/lib/label-errors/rank';
import { openLabelErrorCount } from '@/lib/label-errors/db';

export async function LabelErrorsSection() {
  const [open, scored] = await Promise.all([openLabelErrorCount(db()), db().labelError.count()]);
  return (
    <section className="card space-y-1" aria-labelledby="label-errors-h">
      <h2 id="label-errors-h" className="font-medium">
        Probable label errors
      </h2>
      <p className="text-sm text-slate-700">
        <span className="text-2xl font-semibold tabular-nums" data-testid="open-label-errors">
          {open}
        </span>{' '}
        open (the cross-validated model gives the label less than {Math.round((1 - SUSPECT_SCORE) * 100)}% and nobody kept it)
        {scored === 0 ? ': not searched yet.' : ` of ${scored} faces scored.`}{' '}
        <Link href="/reviews/label-errors" className="text-indigo-700 underline">
          Review label errors
        </Link>{' '}
        ·{' '}
        <Link href="/dataset/map" className="text-indigo-700 underline">
          Dataset map
        </Link>
      </p>
    </section>
  );
}
