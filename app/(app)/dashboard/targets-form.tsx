'use client';

import { CLASS_NAMES, CLASSES, type FaceClass } from '@/lib/classes';
import { SubmitRow } from '@/app/_components/fields';
import { useAction } from '@/app/_components/use-action';
import { setTargetsAction } from './actions';

export function TargetsForm({ targets }: { targets: Record<FaceClass, number> }) {
  const { msg, pending, run, submit } = useAction();
  return (
    <form
      className="grid gap-3 sm:grid-cols-5 sm:items-end"
      onSubmit={submit((f) => run(() => setTargetsAction(Object.fromEntries(CLASSES.map((c) => [c, Number(f.get(c))]))), () => 'Targets saved.'))}
    >
      {CLASSES.map((c) => (
        <div key={c}>
          <label className="label" htmlFor={`target-${c}`}>
            {CLASS_NAMES[c]}
          </label>
          <input id={`target-${c}`} name={c} type="number" min={1} step={1} required defaultValue={targets[c]} className="input" />
        </div>
      ))}
      <SubmitRow label="Save targets" busy="Saving…" pending={pending} msg={msg} className="sm:col-span-5" />
    </form>
  );
}
