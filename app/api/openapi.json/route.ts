import { z } from 'zod';
import { apiRoute } from '@/app/_server/guard';
import { apiDocument } from '@/app/_server/openapi';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'viewer',
    summary: 'This description (OpenAPI 3.1)',
    description: "Every route handler with its role, parameters, request body and responses, generated from the zod schemas the handlers validate with. Readable at `/api/docs`.",
    responses: {
      200: {
        description: 'The OpenAPI document',
        schema: z
          .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.record(z.string(), z.unknown())) })
          .meta({ description: 'An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1)' }),
      },
    },
  },
  async () => apiDocument(),
);
