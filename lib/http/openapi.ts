// The OpenAPI 3.1 description of the HTTP API, built from plain route descriptions and the
// zod schemas the handlers validate with (z.toJSONSchema, "input" side: what a client sends).
// Pure: no Next.js, no database. app/_server/openapi.ts collects the descriptions that
// apiRoute() attaches to every route handler and calls buildOpenApi(); /api/openapi.json
// serves the result and /api/docs renders it (renderDocsHtml).
import crypto from 'node:crypto';
import { z } from 'zod';
import type { Role } from '../auth/role-names';
import { JSON_BODY_LIMIT } from './body';

/** A response of an operation: a description, or one with its content type and (optionally) a zod schema of the body. */
export type ResponseDoc = string | { description: string; contentType?: string; schema?: z.ZodType };

/** What a route handler says about itself for the description (the apiRoute() options besides role and inputs). */
export type OperationDoc = {
  /** One line. Default: "<METHOD> <path>". */
  summary?: string;
  description?: string;
  /** A body that is neither JSON nor a form (e.g. a zip streamed as is). */
  rawBody?: { contentType: string; description: string };
  /**
   * Responses by status. Success: default `200` JSON. An error status (4xx/5xx) given as a string gets
   * the `{ error }` JSON body; 401 and 403 are always listed, 400 when the route takes input, 413 when it
   * takes a body (declare it when the route has its own limit or other reasons for a 413).
   */
  responses?: Record<number, ResponseDoc>;
  /** Only a signed-in session may call it, not an API token (its `security` is the session cookie alone). */
  sessionOnly?: boolean;
};

/** One method of one route: where it is, who may call it, what it reads (zod), what it answers. */
export type RouteDoc = OperationDoc & {
  /** The route folder, dynamic segments as in the file system: `/api/photos/[id]`. */
  path: string;
  method: string;
  role: Role;
  /** JSON request body. */
  body?: z.ZodType;
  /** URL search parameters (a z.object). */
  query?: z.ZodType;
  /** multipart/form-data fields (a z.object; files as z.file()). */
  form?: z.ZodType;
};

/** The JSON body of every error the guard sends (app/_server/guard.ts errorResponse). */
export const errorBodySchema = z
  .object({
    error: z.string().meta({ description: 'What went wrong, for a person to read' }),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'For a request that failed validation: each field (dotted path) and its problem' }),
  })
  .meta({ description: 'An error: `{ error }`, plus `issues` when the input failed validation' });

export type JsonSchema = { [key: string]: unknown };
type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  'x-masklab-role': Role;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: 'path' | 'query'; required: boolean; description?: string; schema: JsonSchema }[];
  requestBody?: { required: boolean; description?: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: JsonSchema }> }>;
};
export type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  jsonSchemaDialect: string;
  servers: { url: string; description?: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
};

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const ROLE_TEXT: Record<Role, string> = { viewer: 'viewer or above', labeler: 'labeler or admin', admin: 'admin only' };
/** Descriptions of the responses every operation gets without declaring them. */
const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Invalid input: the message says which field and why',
  401: 'Not signed in, or the session or API token is no longer valid (expired, revoked, or older than a password change)',
  403: 'Signed in, but the role is too low; or a cross-site request with a session cookie',
  413: "The request body is over the route's size limit",
};

/**
 * The tags (areas) of the API, with what each covers. An operation's tag comes from its path: the
 * first segment after `/api/` (after `/api/admin/`, the next one) names an area in `TAG_OF`; a
 * route in a new area gets a tag of its own, which tests/unit/openapi.test.ts refuses until the area is listed here.
 */
export const TAGS: Record<string, string> = {
  account: 'Who you are, your browser sessions and your API tokens',
  faces: 'Faces (one per detected face, or the whole image): list with the gallery filters, read, history, image',
  photos: 'Photos: upload (files or a zip archive), list, read, delete, images',
  imports: 'Zip imports running in the background and their results',
  labels: 'Labelling: label one or many faces, accept suggestions, undo, the queue of unlabelled faces',
  reviews: 'Blind second opinions, their disagreements, and suspected label errors',
  runs: 'Training runs: retrain, progress, metrics, promote and roll back',
  models: 'The promoted model, its files, and prediction',
  dashboard: 'The numbers of the Dashboard page',
  exports: 'Dataset exports (with the model bundle)',
  users: 'User accounts (admin)',
  webhooks: 'Outgoing webhooks and their deliveries (admin)',
  api: 'This description of the API',
};
/** First path segment after `/api/` (or `/api/admin/`) → tag. */
const TAG_OF: Record<string, string> = {
  me: 'account',
  sessions: 'account',
  tokens: 'account',
  faces: 'faces',
  photos: 'photos',
  imports: 'imports',
  labels: 'labels',
  reviews: 'reviews',
  'label-errors': 'reviews',
  runs: 'runs',
  training: 'runs',
  models: 'models',
  predict: 'models',
  preview: 'models',
  dashboard: 'dashboard',
  export: 'exports',
  exports: 'exports',
  users: 'users',
  webhooks: 'webhooks',
  docs: 'api',
  'openapi.json': 'api',
};

/** The tag of a route path (see TAGS); a segment not in TAG_OF is its own tag (tests/unit/openapi.test.ts refuses that for the app's routes). */
export function tagOf(routePath: string): string {
  const parts = routePath.split('/').filter(Boolean);
  const segment = (parts[1] === 'admin' ? parts[2] : parts[1]) ?? 'api';
  return TAG_OF[segment] ?? segment;
}

/** `/api/photos/[id]` → `/api/photos/{id}` (a catch-all `[...x]` becomes `{x}` too). */
export function openApiPath(routePath: string): string {
  return routePath.replace(/\[(?:\.\.\.)?(\w+)\]/g, '{$1}');
}

/** The names of a route's dynamic segments, in order. */
export function pathParams(routePath: string): string[] {
  return [...routePath.matchAll(/\[(?:\.\.\.)?(\w+)\]/g)].map((m) => m[1]);
}

/**
 * A zod schema as a JSON Schema (2020-12, what OpenAPI 3.1 uses), the side a client sends
 * (`io`) or receives. Types JSON cannot carry (a transform's output) become `{}`; schemas with
 * `.meta({ id })` go to `defs` (→ components.schemas) and are referenced from there.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output', defs: Record<string, JsonSchema>): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  delete json.$schema;
  const local = (json.$defs ?? {}) as Record<string, JsonSchema>;
  delete json.$defs;
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v)
          // z.int() says ±Number.MAX_SAFE_INTEGER when no bound was given: no news to a reader
          .filter(([k, x]) => !((k === 'minimum' || k === 'maximum') && Math.abs(x as number) === Number.MAX_SAFE_INTEGER))
          .map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? x.replace(/^#\/\$defs\//, '#/components/schemas/') : rewrite(x)]),
      );
    }
    return v;
  };
  for (const [name, def] of Object.entries(local)) defs[name] = rewrite(def) as JsonSchema;
  return rewrite(json) as JsonSchema;
}

function operationId(method: string, routePath: string): string {
  const words = routePath
    .replace(/^\/api\//, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

function operation(r: RouteDoc, defs: Record<string, JsonSchema>): Operation {
  const parameters: NonNullable<Operation['parameters']> = pathParams(r.path).map((name) => ({
    name,
    in: 'path' as const,
    required: true,
    schema: { type: 'string' },
  }));
  if (r.query) {
    const q = jsonSchemaOf(r.query, 'input', defs);
    if (q.type !== 'object') throw new Error(`${r.method} ${r.path}: the query schema must be a z.object`);
    const required = new Set((q.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...rest } = schema;
      parameters.push({ name, in: 'query', required: required.has(name), ...(description ? { description: String(description) } : {}), schema: rest });
    }
  }
  const inputs = [r.body, r.form, r.rawBody].filter(Boolean).length;
  if (inputs > 1) throw new Error(`${r.method} ${r.path}: one of body, form and rawBody`);
  let requestBody: Operation['requestBody'];
  if (r.body) requestBody = { required: true, content: { 'application/json': { schema: jsonSchemaOf(r.body, 'input', defs) } } };
  if (r.form) requestBody = { required: true, content: { 'multipart/form-data': { schema: jsonSchemaOf(r.form, 'input', defs) } } };
  if (r.rawBody) requestBody = { required: true, description: r.rawBody.description, content: { [r.rawBody.contentType]: { schema: { type: 'string', contentMediaType: r.rawBody.contentType } } } };

  const responses: Operation['responses'] = {};
  const declared = Object.entries(r.responses ?? {}).map(([s, d]) => [Number(s), d] as const);
  if (!declared.some(([s]) => s < 400)) declared.unshift([200, { description: STATUS_TEXT[200], contentType: 'application/json' }]);
  if (!declared.some(([s]) => s === 400) && (requestBody || r.query)) declared.push([400, STATUS_TEXT[400]]);
  for (const s of [401, 403]) if (!declared.some(([d]) => d === s)) declared.push([s, STATUS_TEXT[s]]);
  // Every body is read within a limit (apiRoute's bodyLimit; JSON: JSON_BODY_LIMIT unless the route says otherwise).
  if (requestBody && !declared.some(([d]) => d === 413)) {
    declared.push([413, r.body ? `The JSON body is over ${JSON_BODY_LIMIT / 1024 / 1024} MB` : STATUS_TEXT[413]]);
  }
  declared.sort((a, b) => a[0] - b[0]);
  for (const [status, doc] of declared) {
    const d = typeof doc === 'string' ? { description: doc } : doc;
    if (status >= 400 && !d.contentType && !d.schema) {
      responses[String(status)] = errorResponse(d.description);
    } else {
      const type = d.contentType ?? (d.schema ? 'application/json' : undefined);
      // A body that is not JSON (an image, a zip, a page) is bytes of its media type.
      const schema = d.schema ? jsonSchemaOf(d.schema, 'output', defs) : type && !/json/.test(type) ? { type: 'string', contentMediaType: type } : undefined;
      responses[String(status)] = {
        description: d.description,
        ...(type ? { content: { [type]: schema ? { schema } : {} } } : {}),
      };
    }
  }
  const summary = r.summary ?? `${r.method} ${r.path}`;
  const roleLine = `Role: ${ROLE_TEXT[r.role]}.`;
  return {
    operationId: operationId(r.method, r.path),
    summary,
    description: r.description ? `${r.description}\n\n${roleLine}` : roleLine,
    tags: [tagOf(r.path)],
    'x-masklab-role': r.role,
    ...(r.sessionOnly ? { security: [{ session: [] }] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of `routes` (sorted by path, then method). */
export function buildOpenApi(
  routes: RouteDoc[],
  info: { title?: string; version: string; description?: string; license?: string; servers?: { url: string; description?: string }[] },
): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = {};
  schemas.Error = jsonSchemaOf(errorBodySchema, 'output', schemas);
  const paths: OpenApiDocument['paths'] = {};
  const order = (m: string) => HTTP_METHODS.indexOf(m as (typeof HTTP_METHODS)[number]);
  const sorted = [...routes].sort((a, b) => a.path.localeCompare(b.path) || order(a.method) - order(b.method));
  for (const r of sorted) {
    const p = openApiPath(r.path);
    const method = r.method.toLowerCase();
    paths[p] ??= {};
    if (paths[p][method]) throw new Error(`${r.method} ${r.path} is described twice`);
    paths[p][method] = operation(r, schemas);
  }
  const used = new Set(sorted.map((r) => tagOf(r.path)));
  const tags = Object.entries(TAGS)
    .filter(([name]) => used.has(name))
    .map(([name, description]) => ({ name, description }));
  for (const name of [...used].filter((t) => !(t in TAGS)).sort()) tags.push({ name, description: `Routes under /api/${name}` });
  return {
    openapi: '3.1.1',
    info: {
      title: info.title ?? 'masklab API',
      version: info.version,
      description:
        info.description ??
        'Every route needs a session (sign in on the web page: the `next-auth.session-token` cookie) or an API token from ' +
          'the Account page (`Authorization: Bearer mlk_…`). Each operation names the least role it needs (`x-masklab-role`: ' +
          'viewer < labeler < admin). Requests that change something and carry the session cookie must come from the app ' +
          "itself (same origin); requests with a token and no cookie may come from anywhere. Errors are JSON `{ error }`. " +
          'Lists are paginated by cursor: `?limit=` (default 50) and `?cursor=` (the `nextCursor` of the previous page) give ' +
          '`{ items, nextCursor }`; `nextCursor` is null on the last page.',
      // An SPDX id from package.json `license`; without one, npm's word for "no licence granted"
      // (as an SPDX LicenseRef): the owner's choice to change.
      license: info.license ? { name: info.license, identifier: info.license } : { name: 'UNLICENSED', identifier: 'LicenseRef-UNLICENSED' },
    },
    // Relative to the origin that serves the document (the app's own), unless a public URL is configured.
    servers: info.servers ?? [{ url: '/', description: 'This app (the origin serving this document)' }],
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ session: [] }, { bearer: [] }],
    tags,
    paths,
    components: {
      schemas,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'next-auth.session-token', description: 'The session cookie set by signing in (`__Secure-next-auth.session-token` over HTTPS)' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'mlk_…', description: 'An API token from the Account page' },
      },
    },
  };
}

// ---- /api/docs: the same document as plain HTML ------------------------------------------------

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** Escaped text whose `backtick spans` become <code>. */
const text = (s: unknown) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');

const refLink = (ref: string) => {
  const name = ref.split('/').pop()!;
  return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
};

/** A short human-readable type of a JSON Schema: `integer, 1–100, default 20`, `one of: a, b`, `array of file`. */
export function typeText(s: JsonSchema | undefined): string {
  if (!s) return 'any';
  if (typeof s.$ref === 'string') return s.$ref.split('/').pop()!;
  const parts: string[] = [];
  if (Array.isArray(s.enum)) parts.push(`one of: ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  else if (s.const !== undefined) parts.push(`exactly ${JSON.stringify(s.const)}`);
  else if (s.format === 'binary' || s.contentMediaType) parts.push(`file${s.contentMediaType ? ` (${String(s.contentMediaType)})` : ''}`);
  else if (s.type === 'array') {
    const item = typeText(s.items as JsonSchema);
    parts.push(`array of ${item.includes(',') ? `(${item})` : item}`);
  }
  else if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) parts.push(((s.anyOf ?? s.oneOf) as JsonSchema[]).map((x) => typeText(x)).join(' | '));
  else if (Array.isArray(s.type)) parts.push(s.type.join(' | '));
  else if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') parts.push(`object of ${typeText(s.additionalProperties as JsonSchema)}`);
  else parts.push(typeof s.type === 'string' ? s.type : 'any');
  if (s.format && s.format !== 'binary') parts.push(`format ${String(s.format)}`);
  const range = (lo: unknown, hi: unknown, unit: string) =>
    lo !== undefined && hi !== undefined ? `${lo}–${hi}${unit}` : lo !== undefined ? `≥ ${lo}${unit}` : hi !== undefined ? `≤ ${hi}${unit}` : '';
  for (const r of [range(s.minimum, s.maximum, ''), range(s.minLength, s.maxLength, ' characters'), range(s.minItems, s.maxItems, ' items')]) if (r) parts.push(r);
  if (typeof s.pattern === 'string') parts.push(`pattern ${s.pattern}`);
  if (s.default !== undefined) parts.push(`default ${JSON.stringify(s.default)}`);
  return parts.join(', ');
}

/** The fields of an object schema as rows (nested objects as dotted names). */
function fieldRows(s: JsonSchema, prefix = ''): string {
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)
    .map(([name, p]) => {
      const row = `<tr><td><code>${esc(prefix + name)}</code></td><td>${esc(typeText(p))}</td><td>${required.has(name) ? 'yes' : 'no'}</td><td>${text(p.description ?? '')}</td></tr>`;
      return p.type === 'object' && p.properties ? row + fieldRows(p, `${prefix}${name}.`) : row;
    })
    .join('');
}

function schemaHtml(schema: JsonSchema | undefined): string {
  if (!schema || Object.keys(schema).length === 0) return '';
  const table =
    schema.type === 'object' && schema.properties
      ? tableHtml('Fields', ['Field', 'Type', 'Required', 'Description'], fieldRows(schema))
      : `<p>${esc(typeText(schema))}</p>`;
  return `${table}<details><summary>JSON Schema</summary><pre tabindex="0">${esc(JSON.stringify(schema, null, 2))}</pre></details>`;
}

// Phones: every table scrolls inside its own focusable region (.t), long paths and names wrap; dark
// follows the system (the page has no script, so no switch; the app's switch is for the app).
const DOCS_CSS = `:root{color-scheme:light dark;--fg:#111;--bg:#fff;--line:#ccc;--head:#f3f4f6;--pre:#f6f8fa;--a:#1d4ed8}
@media (prefers-color-scheme:dark){:root{--fg:#e5e7eb;--bg:#0f172a;--line:#475569;--head:#1e293b;--pre:#1e293b;--a:#93c5fd}}
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
a{color:var(--a)}.t{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:var(--head)}code,pre{font:13px ui-monospace,monospace}pre{background:var(--pre);padding:.5rem;overflow:auto;max-width:100%}
section{border-top:2px solid var(--line);margin-top:1.5rem}h2 code{font-size:1.1rem}.m{font-weight:700}`;

/** A table in a keyboard-focusable region that scrolls sideways on a narrow screen. */
const tableHtml = (label: string, head: string[], rows: string) =>
  `<div class="t" role="region" aria-label="${esc(label)}" tabindex="0"><table><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></div>`;

/** The CSP of /api/docs: nothing may load, only its own inline stylesheet (by hash). */
export function docsCsp(): string {
  const hash = crypto.createHash('sha256').update(DOCS_CSS).digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox`;
}

/** The document as one self-contained HTML page: a table of operations, then each with its parameters, body and responses. */
export function renderDocsHtml(doc: OpenApiDocument, opts: { jsonUrl: string }): string {
  const ops = Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ path: p, method: m.toUpperCase(), op })));
  const index = ops
    .map(({ path: p, method, op }) => `<tr><td class="m">${esc(method)}</td><td><a href="#${esc(op.operationId)}"><code>${esc(p)}</code></a></td><td>${esc(op['x-masklab-role'])}</td><td>${esc(op.summary)}</td></tr>`)
    .join('');
  const sections = ops
    .map(({ path: p, method, op }) => {
      const params = op.parameters?.length
        ? `<h3>Parameters</h3>${tableHtml(
            `Parameters of ${method} ${p}`,
            ['Name', 'In', 'Type', 'Required', 'Description'],
            op.parameters
              .map((x) => `<tr><td><code>${esc(x.name)}</code></td><td>${x.in}</td><td>${esc(typeText(x.schema))}</td><td>${x.required ? 'yes' : 'no'}</td><td>${text(x.description ?? '')}</td></tr>`)
              .join(''),
          )}`
        : '';
      const body = op.requestBody
        ? `<h3>Request body</h3>${op.requestBody.description ? `<p>${text(op.requestBody.description)}</p>` : ''}${Object.entries(op.requestBody.content)
            .map(([type, c]) => `<p><code>${esc(type)}</code></p>${schemaHtml(c.schema)}`)
            .join('')}`
        : '';
      const responses = `<h3>Responses</h3>${tableHtml(
        `Responses of ${method} ${p}`,
        ['Status', 'Meaning', 'Content'],
        Object.entries(op.responses)
        .map(([status, r]) => {
          const content = Object.entries(r.content ?? {})
            .map(([type, c]) => `<code>${esc(type)}</code>${c.schema ? ` ${typeof c.schema.$ref === 'string' ? refLink(c.schema.$ref) : esc(typeText(c.schema))}` : ''}`)
            .join('<br>');
          return `<tr><td>${esc(status)}</td><td>${text(r.description)}</td><td>${content}</td></tr>`;
        })
        .join(''),
      )}`;
      const description = (op.description ?? '')
        .split(/\n\n+/)
        .map((para) => `<p>${text(para)}</p>`)
        .join('');
      return `<section id="${esc(op.operationId)}" aria-labelledby="${esc(op.operationId)}-h"><h2 id="${esc(op.operationId)}-h"><span class="m">${esc(method)}</span> <code>${esc(p)}</code></h2><p><strong>${esc(op.summary)}</strong></p>${description}${params}${body}${responses}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(doc.info.title)}</title><style>${DOCS_CSS}</style></head>
<body><main><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${text(doc.info.description)}</p>
<p>Machine-readable: <a href="${esc(opts.jsonUrl)}">${esc(opts.jsonUrl)}</a> (OpenAPI ${esc(doc.openapi)}).</p>
<h2>Operations</h2>
${tableHtml('Operations', ['Method', 'Path', 'Least role', 'Summary'], index)}
${sections}
<section id="schemas" aria-labelledby="schemas-h"><h2 id="schemas-h">Schemas</h2>${Object.entries(doc.components.schemas)
    .map(([name, schema]) => `<h3 id="schema-${esc(name)}">${esc(name)}</h3>${schema.description ? `<p>${text(schema.description)}</p>` : ''}${schemaHtml(schema)}`)
    .join('')}</section>
</main></body></html>
`;
}
