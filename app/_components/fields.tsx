// Form fields with their labels, as every filter and settings form uses them.
import type { ReactNode } from 'react';

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
