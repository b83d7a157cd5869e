import Link from 'next/link';
import type { latestLearningCurve } from '@/lib/training/views';

/**
 * "Collect next" from the latest run's learning curve (lib/training/learning-curve.ts): per measured set, how many
 * more labelled faces per class would add about two points, or that the curve is flat, or that it cannot tell yet.
 */
export function LearningCurveHint({ latest }: { latest: Awaited<ReturnType<typeof latestLearningCurve>> }) {
  if (!latest) return <p className="mt-3 text-sm text-slate-600" data-testid="curve-hint">After the next retrain, its learning curve says here whether more labels would help.</p>;
  const { curve, runId } = latest;
  return (
    <div className="mt-3 text-sm" data-testid="curve-hint">
      <p className="text-slate-600">
        Would more labels help? From the{' '}
        <Link className="text-indigo-700 underline" href={`/training/${runId}#lc-h`}>
          learning curve of the latest run
        </Link>{' '}
        ({curve.trainFaces.at(-1)} training faces, about {Math.round((curve.trainFaces.at(-1) ?? 0) / Math.max(1, curve.classes))} per class):
      </p>
      <ul className="list-disc pl-5">
        {curve.series.map((s) => (
          <li key={s.key}>
            {s.label}: <strong>{s.estimate.text}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}
