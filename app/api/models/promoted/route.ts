// Which model the preview should run: the promoted run's meta and the URLs of every file it needs.
// Never cached: an open preview polls it and switches when another run is promoted.
import { NextResponse } from 'next/server';
import { apiRoute } from '@/app/_server/guard';
import { promotedModelSchema } from '@/app/_server/api-schemas';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { promotedModel } from '@/lib/models/promoted';
import { runTitleById } from '@/lib/training/views';
import { BACKBONE_ID, compatibleKindOf } from '@/lib/inference/backbone';
import { extraBackboneFiles, servedModelsVersion } from '@/lib/models/served-files';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'viewer',
    summary: 'The promoted model and its files',
    description:
      "What the live preview runs: `{ model: { runId, title, meta, headUrl, promotedAt, compatible } | null, backboneId, files: { detector, backbone, wasm } }`. Never cached: the preview polls it and switches when another run is promoted.",
    responses: { 200: { description: 'The promoted model (null when none is)', schema: promotedModelSchema } },
  },
  async () => {
  const model = await promotedModel(db(), config().modelsDir);
  const base = `/api/models/static/${servedModelsVersion()}/`;
  const body = model
    ? {
        model: {
          runId: model.runId,
          // "Run 7 · 7 Dec": what the page calls it (the id is a detail).
          title: (await runTitleById(db(), model.runId)) ?? model.runId,
          meta: model.meta,
          headUrl: `/api/models/run/${model.runId}/model.json`,
          promotedAt: model.promotedAt,
          // A head trained on other features would give wrong answers: the page says so instead.
          compatible: compatibleKindOf(model.meta) !== null,
          // The accurate backbone's extra models (faceres-deep, gear) when the head needs them, else null.
          extraFiles: extraBackboneFiles(model.meta, base),
        },
        backboneId: BACKBONE_ID,
        files: { detector: `${base}blazeface.json`, backbone: `${base}faceres.json`, wasm: base },
      }
    : { model: null, backboneId: BACKBONE_ID, files: { detector: `${base}blazeface.json`, backbone: `${base}faceres.json`, wasm: base } };
  return NextResponse.json(body, { headers: { 'Cache-Control': 'no-store' } });
  },
);
