import type { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { importSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { getImport } from '@/lib/import/progress';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<z.ZodUndefined, { id: string }>(
  {
    role: 'labeler',
    summary: 'One zip import and its progress',
    description:
      'Status, progress `{ done, total, added, duplicate, rejected, faces }` and per-entry results of the import job `id` (from `POST /api/photos/zip`). Its uploader or an admin.',
    responses: { 200: { description: 'The import', schema: importSchema }, 404: 'No such import (or not yours)' },
  },
  async ({ actor, params }) => getImport(db(), actor, params.id),
);
