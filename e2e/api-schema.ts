// Checks the real server's answers against its own description (issue 22): for a response, find the
// operation in GET /api/openapi.json (method + path template), take the response schema of its status
// and validate the JSON body with a JSON Schema 2020-12 validator. A body that does not match (a
// missing required field, a field the schema does not list, a wrong type or enum value), or a status
// the operation does not describe, fails the test.
//
// The validator is the Ajv 8 that @seriousme/openapi-schema-validator (a devDependency, used by
// tests/unit/openapi.test.ts) brings: resolved from that package, so no validator of our own is added.
import { createRequire } from 'node:module';
import { expect, type APIRequestContext, type APIResponse } from '@playwright/test';

type JsonSchema = Record<string, unknown>;
type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } };
type ValidateFn = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params?: unknown }[] | null };
type AjvLike = { addSchema(s: JsonSchema, key?: string): unknown; compile(s: JsonSchema): ValidateFn };

const fromValidator = createRequire(require.resolve('@seriousme/openapi-schema-validator'));
const Ajv2020 = (fromValidator('ajv/dist/2020') as { default: new (o: object) => AjvLike }).default;
const addFormats = (fromValidator('ajv-formats') as { default: (a: AjvLike) => void }).default;

/** The app's origin (playwright.config.ts `use.baseURL`), sent as Origin on state-changing requests. */
export const BASE_URL = `http://localhost:${Number(process.env.E2E_PORT ?? 3211)}`;
const DEFS_ID = 'https://masklab.invalid/openapi-components';

/** `#/components/schemas/X` → the registered components schema (so refs resolve inside Ajv). */
function rewriteRefs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(rewriteRefs);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? x.replace('#/components/schemas/', `${DEFS_ID}#/$defs/`) : rewriteRefs(x)]),
    );
  }
  return v;
}

export class ApiSchemas {
  private ajv: AjvLike;
  private compiled = new Map<string, ValidateFn>();
  private templates: { method: string; template: string; re: RegExp; params: number }[];

  constructor(private doc: Doc) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: DEFS_ID, $defs: rewriteRefs(doc.components.schemas) as JsonSchema });
    this.templates = Object.entries(doc.paths).flatMap(([template, methods]) =>
      Object.keys(methods).map((method) => ({
        method,
        template,
        re: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`),
        params: (template.match(/\{/g) ?? []).length,
      })),
    );
    // A literal segment wins over a parameter (/api/photos/zip before /api/photos/{id}).
    this.templates.sort((a, b) => a.params - b.params);
  }

  /** The operation a request went to: its path template and operation. */
  operationOf(method: string, url: string): { template: string; op: Operation } {
    const pathname = new URL(url, 'http://x').pathname;
    const m = method.toLowerCase();
    const hit = this.templates.find((t) => t.method === m && t.re.test(pathname));
    if (!hit) throw new Error(`${method} ${pathname}: no such operation in /api/openapi.json`);
    return { template: hit.template, op: this.doc.paths[hit.template][m] };
  }

  /** Validates a JSON body against the schema of `status` of the operation; throws with the differences. */
  check(method: string, url: string, status: number, body: unknown): void {
    const { template, op } = this.operationOf(method, url);
    const where = `${method.toUpperCase()} ${template} → ${status}`;
    const response = op.responses[String(status)];
    if (!response) throw new Error(`${where}: the description lists no ${status} response (it has ${Object.keys(op.responses).join(', ')})`);
    const schema = response.content?.['application/json']?.schema;
    if (!schema) throw new Error(`${where}: no JSON schema for this response`);
    const key = `${op.operationId} ${status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(rewriteRefs(schema) as JsonSchema);
      this.compiled.set(key, validate);
    }
    if (!validate(body)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
      throw new Error(`${where}: the answer does not match the description:\n  ${problems.join('\n  ')}\nbody: ${JSON.stringify(body).slice(0, 2000)}`);
    }
  }
}

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
