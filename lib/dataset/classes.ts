// The label vocabulary. Folder names and form values are matched case-insensitively.
export const CLASSES = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'] as const;
export type ClassName = (typeof CLASSES)[number];
export const LABELS = [...CLASSES, 'excluded'] as const;
export type Label = (typeof LABELS)[number];

/** A class (or "excluded") from a folder name or form value, ignoring case and -/space vs _; null if none. */
export function parseLabel(name: string | null | undefined): Label | null {
  if (!name) return null;
  const n = name.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return (LABELS as readonly string[]).includes(n) ? (n as Label) : null;
}
