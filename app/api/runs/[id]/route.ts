import { apiRoute } from '@/app/_server/guard';
import { runDetailSchema } from '@/app/_server/api-schemas';
import { UserError } from '@/lib/errors';
import { db } from '@/lib/db';
import { runDetail } from '@/lib/training/views';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<never, { id: string }>(
  {
    role: 'viewer',
    summary: "A run's report",
    description:
      "What the run page shows: the run (status, seed, backbone, recipe), its training curves (`history`), its test metrics (accuracy, macro-F1, mask and age accuracy, per class, the confusion matrix, every test face's prediction, the slices, the scores on each evaluation set, the comparison with the promoted model) and the promoted run's metrics to compare with.",
    responses: { 200: { description: 'The report', schema: runDetailSchema }, 404: 'No such run' },
  },
  async ({ params }) => {
    const d = await runDetail(db(), params.id);
    if (!d) throw new UserError('No such run', 404);
    // Where the server keeps the model files is none of a client's business.
    const { modelDir: _modelDir, ...run } = d.run;
    return { ...d, run };
  },
);
