import { apiRoute } from '@/app/_server/guard';
import { apiDocument } from '@/app/_server/openapi';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(
  {
    role: 'viewer',
    summary: 'This description (OpenAPI 3.1)',
    description: "Every route handler with its role, parameters, request body and responses, generated from the zod schemas the handlers validate with. Readable at `/api/docs`.",
    responses: { 200: { description: 'The OpenAPI document', contentType: 'application/json' } },
  },
  async () => apiDocument(),
);
