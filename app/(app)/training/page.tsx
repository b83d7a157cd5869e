import type { Metadata } from 'next';
import { pageGuard } from '@/app/_server/guard';
import { may } from '@/lib/auth/policy';
import { db } from '@/lib/db';
import { CLASS_NAMES, CLASSES } from '@/lib/classes';
import { Row, Table } from '@/app/_components/table';
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
      <TrainingLive initial={status} isAdmin={may.manageModels(actor)} />
      <section className="card overflow-x-auto" aria-labelledby="split-h">
        <h2 id="split-h" className="mb-3 font-medium">
          Labelled faces per class and split
        </h2>
        <Table testId="split-counts" head={['Class', ...SPLITS, 'not split yet']}>
          {CLASSES.map((c) => (
            <Row key={c} head={CLASS_NAMES[c]} cells={[...SPLITS.map((s) => splits[c][s]), splits[c].unassigned]} />
          ))}
        </Table>
      </section>
    </div>
  );
}
