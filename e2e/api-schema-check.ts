// The check behind e2e/api-schema.ts `callApi`, without Playwright (tests/unit/api-schema-check.test.ts
// runs it too): for a request's method and URL, find the operation in the OpenAPI document (a literal
// path before a template), take the response schema of the status and validate the JSON body with
// Ajv 2020 — the Ajv 8 that @seriousme/openapi-schema-validator (a devDependency) brings, resolved from
// that package, so no validator of our own is added.
import { createRequire } from 'node:module';

type JsonSchema = Record<string, unknown>;
type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> };
export type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } };
type ValidateFn = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params?: unknown }[] | null };
type AjvLike = { addSchema(s: JsonSchema, key?: string): unknown; compile(s: JsonSchema): ValidateFn };

const fromValidator = createRequire(require.resolve('@seriousme/openapi-schema-validator'));
const Ajv2020 = (fromValidator('ajv/dist/2020') as { default: new (o: object) => AjvLike }).default;
const addFormats = (fromValidator('ajv-formats') as { default: (a: AjvLike) => void }).default;

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
