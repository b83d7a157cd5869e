// A class (or "excluded", or no label) shown the same everywhere: its name ("Mask, young", never
// `mask_young`) on its colour. The class colours carry white text at 4.5:1 or more (app/globals.css).
import { CLASS_COLORS, CLASS_NAMES, type Label } from '@/lib/classes';

/** "Mask, young" for `mask_young`; anything unknown as given. */
export const labelName = (label: string) => CLASS_NAMES[label as Label] ?? label;

export function ClassBadge({ label, className = '' }: { label: string | null; className?: string }) {
  if (!label) return <span className={`rounded bg-slate-100 px-1.5 py-0.5 text-xs whitespace-nowrap text-slate-600 ${className}`}>unlabelled</span>;
  return (
    <span
      className={`rounded px-1.5 py-0.5 text-xs font-medium whitespace-nowrap text-white ${className}`}
      style={{ background: CLASS_COLORS[label as Label] ?? '#334155' }}
      data-class={label}
    >
      {labelName(label)}
    </span>
  );
}
