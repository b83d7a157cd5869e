// The four classes, in the order the model's softmax outputs them.
import { z } from 'zod';

export const CLASSES = ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'] as const;
export type ClassName = (typeof CLASSES)[number];
export const classSchema = z.enum(CLASSES);
export const NUM_CLASSES = CLASSES.length;

export const classIndex = (c: string): number => {
  const i = (CLASSES as readonly string[]).indexOf(c);
  if (i < 0) throw new Error(`unknown class "${c}"`);
  return i;
};
/** Classes wearing a mask / counted as old: summing their probabilities gives the binary answers. */
export const isMask = (i: number) => i === 0 || i === 1;
export const isOld = (i: number) => i === 0 || i === 2;
