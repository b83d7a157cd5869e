'use client';
// Admins' controls of evaluation sets on the Training page: mark a past import batch as one, and
// whether promotion requires no drop on them.
import { SelectField, SubmitRow } from '@/app/_components/fields';
import { Message } from '@/app/_components/message';
import { useAction } from '@/app/_components/use-action';
import { markEvalSetAction, setRequireNoEvalDropAction } from './actions';

export function MarkEvalSetForm({ batches }: { batches: { batch: string; photos: number }[] }) {
  const { msg, pending, run, submit } = useAction();
  if (batches.length === 0) return <p className="text-sm text-slate-600">No import batch left to mark (imports name their batch after the folder, zip or --batch tag).</p>;
  return (
    <form
      className="grid gap-3 sm:grid-cols-3 sm:items-end"
      data-testid="mark-eval-set"
      onSubmit={submit((f) =>
        run(
          () => markEvalSetAction({ batch: String(f.get('batch')), name: String(f.get('name')) }),
          (r) => `Evaluation set “${r.name}” now holds ${r.photos} more photo(s) (${r.faces} faces left their split).`,
        ),
      )}
    >
      <SelectField id="eval-batch" name="batch" label="Import batch" options={batches.map((b) => ({ value: b.batch, label: `${b.batch} (${b.photos} photos)` }))} />
      <div>
        <label className="label" htmlFor="eval-name">
          Evaluation set name
        </label>
        <input id="eval-name" name="name" required maxLength={80} className="input" />
      </div>
      <SubmitRow label="Mark as evaluation set" busy="Marking…" pending={pending} msg={msg} className="sm:col-span-3" />
    </form>
  );
}

export function RequireNoEvalDropToggle({ on }: { on: boolean }) {
  const { msg, pending, run } = useAction();
  return (
    <div>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          defaultChecked={on}
          disabled={pending}
          data-testid="require-no-eval-drop"
          onChange={(e) => {
            const next = e.currentTarget.checked;
            run(
              () => setRequireNoEvalDropAction({ on: next }),
              (r) => (r.on ? 'Runs that score lower than the promoted model on an evaluation set are no longer promoted automatically.' : 'Evaluation sets no longer hold back promotion.'),
            );
          }}
        />
        Promote automatically only when no evaluation set drops
      </label>
      <Message msg={msg} />
    </div>
  );
}
