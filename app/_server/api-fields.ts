// zod fields shared by several route handlers' inputs (and so by their OpenAPI description).
import { z } from 'zod';
import { LABELS, parseLabel } from '@/lib/classes';

/** A class name as a form field or query parameter ("mask_old", "Mask old"), or absent: → the label or null. */
export const labelField = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (!s) return null;
    const label = parseLabel(s);
    if (!label) ctx.addIssue({ code: 'custom', message: `Unknown class "${s}"` });
    return label;
  })
  .meta({ description: `A class applied to every face: ${LABELS.join(', ')}` });
