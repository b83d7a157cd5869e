// A trained head's files (model.json, weights.bin, meta.json). A run's model folder never changes once
import type { z } from 'zod';
// written, so the files are cached as immutable; the promoted run is asked for at /api/models/promoted.
import fs from 'node:fs/promises';
import { NextResponse } from 'next/server';
import { apiRoute } from '@/app/_server/guard';
import { config } from '@/lib/config';
import { db } from '@/lib/db';
import { runModelFile } from '@/lib/models/promoted';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = apiRoute<z.ZodUndefined, { runId: string; file: string }>(
  {
    role: 'viewer',
    summary: "A trained head's file",
    description: 'model.json, weights.bin or meta.json of run `runId`; cached privately as immutable (a run never changes).',
    responses: { 200: { description: 'The file', contentType: 'application/octet-stream' }, 404: 'No such model file' },
  },
  async ({ params }) => {
  const p = await runModelFile(db(), config().modelsDir, params.runId, params.file);
  if (!p) return NextResponse.json({ error: 'No such model file' }, { status: 404 });
  const body = await fs.readFile(p);
  return new Response(body as unknown as BodyInit, {
    headers: {
      'Content-Type': params.file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      'Content-Length': String(body.byteLength),
      'Cache-Control': 'private, max-age=31536000, immutable',
    },
  });
  },
);
