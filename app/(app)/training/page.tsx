import type { Metadata } from 'next';
import { pageGuard } from '@/app/_server/guard';
import { hasRole } from '@/lib/auth/roles';
import { db } from '@/lib/db';
import { CLASSES } from '@/lib/classes';
import { SPLITS } from '@/lib/dataset/split';
import { trainingDashboard } from '@/lib/training/views';
import { TrainingLive } from './training-live';

export const metadata: Metadata = { title: 'Training' };
export const dynamic = 'force-dynamic';

export default async function TrainingPage() {
  const actor = await pageGuard('viewer', '/training');
  const { status, splits } = await trainingDashboard(db());
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Training</h1>
        <p className="mt-1 text-sm text-slate-600">
          A retrain freezes the current labels, splits them (train / validation / test, a face keeps its split), computes features for new
          faces, trains the classifier head, measures it on the test split and promotes it when it beats the promoted model there.
        </p>
      </div>
      <TrainingLive initial={status} isAdmin={hasRole(actor.role, 'admin')} />
      <section className="card overflow-x-auto" aria-labelledby="split-h">
        <h2 id="split-h" className="mb-3 font-medium">
          Labelled faces per class and split
        </h2>
        <table className="w-full text-left text-sm" data-testid="split-counts">
          <thead className="text-slate-500">
            <tr>
              <th className="py-2 pr-4">Class</th>
              {SPLITS.map((s) => (
                <th key={s} className="py-2 pr-4">
                  {s}
                </th>
              ))}
              <th className="py-2">not split yet</th>
            </tr>
          </thead>
          <tbody>
            {CLASSES.map((c) => (
              <tr key={c} className="border-t border-slate-100">
                <th scope="row" className="py-2 pr-4 font-medium">
                  {c.replace('_', ' ')}
                </th>
                {SPLITS.map((s) => (
                  <td key={s} className="py-2 pr-4">
                    {splits[c][s]}
                  </td>
                ))}
                <td className="py-2">{splits[c].unassigned}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
