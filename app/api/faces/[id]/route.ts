import { apiRoute } from '@/app/_server/guard';
import { UserError } from '@/lib/errors';
import { db } from '@/lib/db';
import { suggestAfterImport } from '@/lib/suggest/queue';
import { faceJson } from '@/lib/suggest/accept';
import { defaultBoxOptions, deleteFace, faceBoxSchema, MIN_BOX_PX, moveFace } from '@/lib/dataset/boxes';
import { boxResultSchema, faceSchema } from '@/app/_server/api-schemas';
import { z } from 'zod';

export const GET = apiRoute<never, { id: string }>(
  {
    role: 'viewer',
    summary: 'A face as JSON',
    description:
      "Label, split, the model's suggestion `{ class, confidence, runId }` (unlabelled faces), photoId, box. A pending blind second opinion of the caller's hides the label.",
    responses: { 200: { description: 'The face', schema: faceSchema }, 404: 'No such face' },
  },
  async ({ actor, params }) => {
    const face = await faceJson(db(), actor, params.id);
    if (!face) throw new UserError('No such face', 404);
    return face;
  },
);

export const PATCH = apiRoute<typeof faceBoxSchema, { id: string }>(
  {
    role: 'labeler',
    body: faceBoxSchema,
    summary: "Move or resize a face's box",
    description:
      `\`{ x, y, w, h }\`: the face in pixels of the oriented photo, inside it, at least ${MIN_BOX_PX} px a side. The crop is cut again with the crop rule ` +
      "(square, with margin), and its pHash, near-duplicate group and split follow (a face joining a group pinned to another split takes the group's split); " +
      'its cached features, suggestion and label-error row are dropped for the jobs to compute again. The label stays. Answers the face: `box` (the crop box), `index` (the new crop version), `image`, `groupId`, `split`, `note`.',
    responses: { 200: { description: 'The face now', schema: boxResultSchema }, 404: 'No such face', 409: 'The face was changed or deleted meanwhile' },
  },
  async ({ actor, params, body }) => {
    const face = await moveFace(db(), defaultBoxOptions(), actor, params.id, body);
    if (face.label === null) await suggestAfterImport(db(), actor.id); // its suggestion was of the old crop
    return face;
  },
);

export const DELETE = apiRoute<never, { id: string }>(
  {
    role: 'labeler',
    summary: 'Delete a face box (not a face)',
    description: 'Deletes the face with its crop, features and reviews. Its label history stays (a labelled face gets a `deleted` label event) and the box history records who deleted it.',
    responses: {
      200: {
        description: 'Deleted',
        schema: z.object({ deleted: z.string().meta({ description: 'The face id' }), photoId: z.string(), label: z.string().nullable().meta({ description: 'Its label when deleted' }) }),
      },
      404: 'No such face',
      409: 'The face was changed meanwhile',
    },
  },
  async ({ actor, params }) => deleteFace(db(), defaultBoxOptions(), actor, params.id),
);
