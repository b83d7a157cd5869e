import { apiRoute } from '@/app/_server/guard';
import { boxResultSchema } from '@/app/_server/api-schemas';
import { db } from '@/lib/db';
import { suggestAfterImport } from '@/lib/suggest/queue';
import { addFace, defaultBoxOptions, faceBoxSchema, MIN_BOX_PX } from '@/lib/dataset/boxes';

export const POST = apiRoute<typeof faceBoxSchema, { id: string }>(
  {
    role: 'labeler',
    body: faceBoxSchema,
    summary: 'Add a face the detector missed',
    description:
      `\`{ x, y, w, h }\`: the face in pixels of the oriented photo, inside it, at least ${MIN_BOX_PX} px a side. ` +
      'The crop is cut from the original with the crop rule (square, with margin), like a detected face\'s; the new face is unlabelled and joins a near-duplicate group when it matches one. ' +
      'Answers the face: `id`, `index`, `box` (the crop box), `image`, `groupId`, `split`.',
    responses: { 201: { description: 'The new face', schema: boxResultSchema }, 404: 'No such photo' },
  },
  async ({ actor, params, body }) => {
    const face = await addFace(db(), defaultBoxOptions(), actor, params.id, body);
    await suggestAfterImport(db(), actor.id); // a new face gets a suggestion when a model is promoted
    return Response.json(face, { status: 201 });
  },
);
