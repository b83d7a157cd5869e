// Beside Retrain: says when the labelled data is below the minimum per class for a meaningful
// retrain (MIN_LABELLED_PER_CLASS), and what to collect. A retrain is still allowed.
import Link from 'next/link';
import { CLASS_NAMES, type FaceClass } from '@/lib/classes';
import { MIN_LABELLED_PER_CLASS, missingPerClass } from '@/lib/training/interval';

export function SmallDataNote({ labelled }: { labelled: Record<string, number> }) {
  const missing = missingPerClass(labelled);
  if (missing.length === 0) return null;
  return (
    <p className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="small-data-note">
      Too little data for a meaningful retrain: below {MIN_LABELLED_PER_CLASS} labelled faces per class the model learns from a handful and its test split holds
      3 faces or fewer of a class, so its numbers say little. Collect and label{' '}
      {missing.map((m, i) => (
        <span key={m.cls}>
          {i > 0 ? (i === missing.length - 1 ? ' and ' : ', ') : ''}
          {m.missing} more {CLASS_NAMES[m.cls as FaceClass] ?? m.cls} (has {m.have})
        </span>
      ))}
      .{' '}
      <Link href="/collect" className="underline">
        Collect photos
      </Link>
    </p>
  );
}
