// Checks the real server's answers against its own description (issue 22): for a response, find the
// operation in GET /api/openapi.json (method + path template), take the response schema of its status
// and validate the JSON body with a JSON Schema 2020-12 validator. A body that does not match (a
// missing required field, a field the schema does not list, a wrong type or enum value), or a status
// the operation does not describe, fails the test.
// The check itself is e2e/api-schema-check.ts (Ajv 2020, no Playwright).
import { expect, type APIRequestContext, type APIResponse } from '@playwright/test';
import { ApiSchemas, type Doc } from './api-schema-check';

/** The app's origin (playwright.config.ts `use.baseURL`), sent as Origin on state-changing requests. */
export const BASE_URL = `http://localhost:${Number(process.env.E2E_PORT ?? 3211)}`;

let shared: Promise<ApiSchemas> | null = null;

/** The description the server publishes (fetched once per worker with a signed-in context). */
export function apiSchemas(ctx: APIRequestContext): Promise<ApiSchemas> {
  shared ??= ctx.get('/api/openapi.json').then(async (res) => {
    expect(res.status(), 'GET /api/openapi.json').toBe(200);
    return new ApiSchemas((await res.json()) as Doc);
  });
  return shared;
}

/**
 * A call to the API whose answer must match the description: `{ status, body }` (the body parsed as
 * JSON). State-changing requests carry the app's Origin, as the browser sends it.
 */
export async function callApi(
  ctx: APIRequestContext,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  opts: { data?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; res: APIResponse }> {
  const schemas = await apiSchemas(ctx);
  const res = await ctx.fetch(url, {
    method,
    data: opts.data,
    // A fresh connection each time: a kept-alive one the server closed while the test was busy elsewhere
    // (an import through the CLI) would otherwise fail the next request with ECONNRESET.
    headers: { Connection: 'close', ...(method === 'GET' ? {} : { Origin: BASE_URL }), ...opts.headers },
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${url} → ${res.status()}: not JSON: ${text.slice(0, 300)}`);
  }
  schemas.check(method, url, res.status(), body);
  return { status: res.status(), body, res };
}
