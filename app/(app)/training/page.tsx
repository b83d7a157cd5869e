import type { Metadata } from 'next';
import { pageGuard } from '@/app/_server/guard';
import { may } from '@/lib/auth/policy';
import { db } from '@/lib/db';
import { CLASS_NAMES, CLASSES } from '@/lib/classes';
import { Row, Table } from '@/app/_components/table';
import { SPLITS } from '@/lib/dataset/split';
import { trainingDashboard } from '@/lib/training/views';
import { TrainingLive } from './training-live';
import { importBatches, listEvalSets, requireNoEvalDrop } from '@/lib/dataset/eval-sets';
import { MarkEvalSetForm, RequireNoEvalDropToggle } from './eval-sets';
import { config } from '@/lib/config';
import { listExports } from '@/lib/export/queue';
import { ExportPanel } from './export-panel';

export const metadata: Metadata = { title: 'Training' };
export const dynamic = 'force-dynamic';

export default async function TrainingPage() {
  const actor = await pageGuard('viewer', '/training');
  const { status, splits } = await trainingDashboard(db());
  const admin = may.manageModels(actor);
  const [sets, batches, noDrop] = await Promise.all([listEvalSets(db()), admin ? importBatches(db()) : [], requireNoEvalDrop(db())]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Training</h1>
        <p className="mt-1 text-sm text-slate-600">
          A retrain freezes the current labels, splits them (train / validation / test, a face keeps its split), computes features for new
          faces, trains the classifier head, measures it on the test split and promotes it when it beats the promoted model there.
        </p>
      </div>
      <TrainingLive
        initial={status}
        isAdmin={admin}
        role={actor.role}
        labelled={Object.fromEntries(CLASSES.map((c) => [c, SPLITS.reduce((n, s) => n + splits[c][s], splits[c].unassigned)]))}
      />
      {admin && <ExportPanel initial={await listExports(db(), config().dataDir)} unsplit={CLASSES.reduce((n, c) => n + splits[c].unassigned, 0)} />}
      <section className="card" aria-labelledby="split-h">
        <h2 id="split-h" className="mb-3 font-medium">
          Labelled faces per class and split
        </h2>
        <Table testId="split-counts" label="Faces per class and split" head={['Class', ...SPLITS, 'not split yet']}>
          {CLASSES.map((c) => (
            <Row key={c} head={CLASS_NAMES[c]} cells={[...SPLITS.map((s) => splits[c][s]), splits[c].unassigned]} />
          ))}
        </Table>
      </section>
      <section className="card space-y-4" aria-labelledby="eval-h" data-testid="eval-sets">
        <div>
          <h2 id="eval-h" className="font-medium">
            Evaluation sets
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            Imports kept apart: never split, trained on or used to choose a model. Every run reports its accuracy and slices on each set beside the test split. A set may
            label only age (folders young / old) or only mask (mask / nomask).
          </p>
        </div>
        {sets.length === 0 ? (
          <p className="text-sm text-slate-600">No evaluation set yet.</p>
        ) : (
          <Table testId="eval-set-list" label="Evaluation sets" head={['Name', 'Photos', 'Faces', 'Scored on']}>
            {sets.map((s) => (
              <Row
                key={s.id}
                head={s.name}
                cells={[
                  s.photos,
                  s.faces,
                  [s.classLabelled && `${s.classLabelled} with a class`, s.age && `${s.age} age only`, s.mask && `${s.mask} mask only`].filter(Boolean).join(', ') || 'nothing labelled',
                ]}
              />
            ))}
          </Table>
        )}
        {admin ? (
          <>
            <RequireNoEvalDropToggle on={noDrop} />
            <MarkEvalSetForm batches={batches} />
          </>
        ) : (
          <p className="text-sm text-slate-600">Promotion {noDrop ? 'requires' : 'does not require'} no drop on evaluation sets.</p>
        )}
      </section>
    </div>
  );
}
