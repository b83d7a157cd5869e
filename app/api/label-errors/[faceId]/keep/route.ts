import { apiRoute } from '@/app/_server/guard';
import { okSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { keepLabel } from '@/lib/label-errors/db';

export const POST = apiRoute<never, { faceId: string }>(
  {
    role: 'labeler',
    summary: 'Keep a suspected label',
    description: 'The label is right: the face is not listed again until its label changes.',
    responses: { 200: { description: 'Kept', schema: okSchema }, 404: 'The face is not listed as a suspected label error' },
  },
  async ({ actor, params }) => {
    await keepLabel(db(), actor, params.faceId);
    return { ok: true };
  },
);
