// The pretrained files the browser preview loads: BlazeFace, relu6-fused faceres, tfjs wasm binaries.
import type { z } from 'zod';
// The version segment changes with their content, so they are cached as immutable.
import { NextResponse } from 'next/server';
import { apiRoute } from '@/app/_server/guard';
import { servedModelsVersion, staticModelFile } from '@/lib/models/served-files';

export const runtime = 'nodejs';

export const GET = apiRoute<z.ZodUndefined, { version: string; file: string }>(
  {
    role: 'viewer',
    summary: 'A pretrained model file for the browser',
    description: 'BlazeFace, the relu6-fused faceres backbone and the TF.js wasm binaries the preview loads. `version` changes with their content (see `GET /api/models/promoted`), so they are cached as immutable.',
    responses: { 200: { description: 'The file', contentType: 'application/octet-stream' }, 404: 'No such model file' },
  },
  async ({ params }) => {
  const file = params.version === servedModelsVersion() ? await staticModelFile(params.file) : null;
  if (!file) return NextResponse.json({ error: 'No such model file' }, { status: 404 });
  return new Response(file.body as BodyInit, {
    headers: {
      'Content-Type': file.contentType,
      'Content-Length': String(file.body.byteLength),
      'Cache-Control': 'private, max-age=31536000, immutable',
    },
  });
  },
);
