// The label vocabulary: four classes (in the order the model's softmax outputs them) and
// "excluded". No dependencies, so client components import it cheaply; zod schemas live
// in ./labels.

export const CLASSES = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'] as const;
export type ClassName = (typeof CLASSES)[number];
export type FaceClass = ClassName;
export const NUM_CLASSES = CLASSES.length;
export const EXCLUDED = 'excluded' as const;
export const LABELS = [...CLASSES, EXCLUDED] as const;
export type Label = (typeof LABELS)[number];

export const CLASS_NAMES: Record<Label, string> = {
  mask_old: 'Mask, old',
  mask_young: 'Mask, young',
  nomask_old: 'No mask, old',
  nomask_young: 'No mask, young',
  excluded: 'Excluded',
};

/** Keyboard: 1–4 give the classes in this order. */
export const CLASS_KEYS: Record<string, ClassName> = { '1': 'mask_old', '2': 'mask_young', '3': 'nomask_old', '4': 'nomask_young' };

/** Colours, the same as --color-mask-old etc. in app/globals.css (plain hex: SVG charts use them too). */
export const CLASS_COLORS: Record<Label, string> = {
  mask_old: '#2563eb',
  mask_young: '#0e7490',
  nomask_old: '#c2410c',
  nomask_young: '#a21caf',
  excluded: '#64748b',
};

export const isClass = (v: unknown): v is ClassName => typeof v === 'string' && (CLASSES as readonly string[]).includes(v);

/** A class (or "excluded") from a folder name or form value, ignoring case and -/space vs _; null if none. */
export function parseLabel(name: string | null | undefined): Label | null {
  if (!name) return null;
  const n = name.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return (LABELS as readonly string[]).includes(n) ? (n as Label) : null;
}

export const classIndex = (c: string): number => {
  const i = (CLASSES as readonly string[]).indexOf(c);
  if (i < 0) throw new Error(`unknown class "${c}"`);
  return i;
};
/** Classes wearing a mask / counted as old: summing their probabilities gives the binary answers. */
export const isMask = (i: number) => i === 0 || i === 1;
export const isOld = (i: number) => i === 0 || i === 2;
