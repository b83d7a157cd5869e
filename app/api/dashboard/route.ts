import { apiRoute } from '@/app/_server/guard';
import { dashboardSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { dashboard, labelerPace } from '@/lib/dataset/balance';
import { confounds } from '@/lib/dataset/confounds';
import { apparentPending } from '@/lib/features/queue';
import { openLabelErrorCount } from '@/lib/label-errors/db';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'viewer',
    summary: "The dashboard's numbers",
    description:
      'What the Dashboard page shows: faces per class against the targets, imbalance, what to collect next, per labeller (counts, pace, agreement), labels per day, splits, near-duplicates, second-opinion counts, confounds (apparent gender, source, batch per class) and open suspected label errors.',
    responses: { 200: { description: 'The numbers', schema: dashboardSchema } },
  },
  async () => {
    const [d, conf, pending, pace, openLabelErrors] = await Promise.all([dashboard(db()), confounds(db()), apparentPending(db()), labelerPace(db()), openLabelErrorCount(db())]);
    return { ...d, pace: [...pace.values()], confounds: conf, apparentPending: pending, openLabelErrors };
  },
);
