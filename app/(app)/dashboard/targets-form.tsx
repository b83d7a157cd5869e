'use client';

import { useState, useTransition } from 'react';
import { CLASS_NAMES, CLASSES, type FaceClass } from '@/lib/classes';
import { Message, type Msg } from '@/app/_components/message';
import { setTargetsAction } from './actions';

export function TargetsForm({ targets }: { targets: Record<FaceClass, number> }) {
  const [msg, setMsg] = useState<Msg>(null);
  const [pending, start] = useTransition();
  return (
    <form
      className="grid gap-3 sm:grid-cols-5 sm:items-end"
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        start(async () => {
          const input = Object.fromEntries(CLASSES.map((c) => [c, Number(f.get(c))]));
          const res = await setTargetsAction(input);
          setMsg(res.ok ? { kind: 'ok', text: 'Targets saved.' } : { kind: 'error', text: res.error });
        });
      }}
    >
      {CLASSES.map((c) => (
        <div key={c}>
          <label className="label" htmlFor={`target-${c}`}>
            {CLASS_NAMES[c]}
          </label>
          <input id={`target-${c}`} name={c} type="number" min={1} step={1} required defaultValue={targets[c]} className="input" />
        </div>
      ))}
      <button className="btn-primary" disabled={pending}>
        {pending ? 'Saving…' : 'Save targets'}
      </button>
      <div className="sm:col-span-5">
        <Message msg={msg} />
      </div>
    </form>
  );
}
