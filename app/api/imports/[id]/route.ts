import type { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { getImport } from '@/lib/dataset/imports';

export const dynamic = 'force-dynamic';

/** One zip import: status, progress `{ done, total, added, duplicate, rejected, faces }` and per-entry results. Its uploader or an admin. */
export const GET = apiRoute<z.ZodUndefined, { id: string }>({ role: 'labeler' }, async ({ actor, params }) => getImport(db(), actor, params.id));
