// Form fields with their labels, as every filter and settings form uses them.
import type { ReactNode } from 'react';
import { Message, type Msg } from './message';

export type Option = { value: string; label: string };

export function SelectField({ id, label, name, defaultValue, options, className }: {
  id: string;
  label: ReactNode;
  name: string;
  defaultValue?: string;
  options: Option[];
  className?: string;
}) {
  return (
    <div className={className}>
      <label className="label" htmlFor={id}>
        {label}
      </label>
      <select id={id} name={name} defaultValue={defaultValue} className="input">
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A form's submit button (saying what it is doing while pending) and its result message below. */
export function SubmitRow({ label, busy, pending, msg, className = 'w-full' }: { label: string; busy: string; pending: boolean; msg: Msg; className?: string }) {
  return (
    <>
      <button className="btn-primary" disabled={pending}>
        {pending ? busy : label}
      </button>
      <div className={className}>
        <Message msg={msg} />
      </div>
    </>
  );
}
