// The four classes and the "excluded" label. No dependencies, so client components import it
// cheaply; the zod schemas are in ./labels.

export const CLASSES = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'] as const;
export type FaceClass = (typeof CLASSES)[number];
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
export const CLASS_KEYS: Record<string, FaceClass> = { '1': 'mask_old', '2': 'mask_young', '3': 'nomask_old', '4': 'nomask_young' };

/** Colours, the same as --color-mask-old etc. in app/globals.css (plain hex: SVG charts use them too). */
export const CLASS_COLORS: Record<Label, string> = {
  mask_old: '#2563eb',
  mask_young: '#0891b2',
  nomask_old: '#c2410c',
  nomask_young: '#a21caf',
  excluded: '#64748b',
};

export const isClass = (v: unknown): v is FaceClass => typeof v === 'string' && (CLASSES as readonly string[]).includes(v);
