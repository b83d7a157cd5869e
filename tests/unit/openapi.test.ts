// GET /api/openapi.json describes every route handler under app/api (issue 14 item 3): this walks
// app/api/**/route.ts (files and exported methods, as the authorisation matrix does) and fails
// when the description misses one (add it to app/_server/api-routes.ts) or lists one that is gone.
// The description is built here exactly as the route builds it, from the modules' apiRoute() options.
import crypto from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { API_ROUTES, NOT_DESCRIBED } from '@/app/_server/api-routes';
import { apiDocument, describedRoutes } from '@/app/_server/openapi';
import { LABELS } from '@/lib/classes';
import { buildOpenApi, docsCsp, type JsonSchema, openApiPath, renderDocsHtml, TAGS } from '@/lib/http/openapi';
import { ROUTES, routesOnDisk } from '../authz/matrix';

const onDisk = routesOnDisk();
const docPromise = apiDocument();

function operations(doc: Awaited<typeof docPromise>) {
  return Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op })));
}

/** Every `$ref` anywhere in `v`. */
function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refs(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refs(x, out);
    }
  }
  return out;
}

describe('the OpenAPI description lists every route', () => {
  it('lists every route folder under app/api in API_ROUTES (or NOT_DESCRIBED, with a reason), and nothing else', () => {
    const folders = [...new Set(onDisk.map((r) => r.route))];
    expect(folders.length).toBeGreaterThan(15);
    const listed = [...Object.keys(API_ROUTES), ...Object.keys(NOT_DESCRIBED)];
    expect(
      folders.filter((f) => !listed.includes(f)),
      'route folders missing from app/_server/api-routes.ts API_ROUTES',
    ).toEqual([]);
    expect(
      listed.filter((f) => !folders.includes(f)),
      'API_ROUTES / NOT_DESCRIBED entries with no route.ts',
    ).toEqual([]);
    for (const [route, why] of Object.entries(NOT_DESCRIBED)) expect(why.length, route).toBeGreaterThan(20);
  });

  it('has one operation per exported method of every described route, and none that does not exist', async () => {
    const doc = await docPromise;
    const want = onDisk.filter((r) => !(r.route in NOT_DESCRIBED)).map((r) => `${r.method} ${openApiPath(r.route)}`);
    const have = operations(doc).map((o) => o.key);
    expect(
      want.filter((k) => !have.includes(k)),
      'route methods the description does not list',
    ).toEqual([]);
    expect(
      have.filter((k) => !want.includes(k)),
      'operations with no such route method',
    ).toEqual([]);
    expect(have).toContain('GET /api/openapi.json');
    expect(have).toContain('GET /api/docs');
  });

  it('names the role each route checks (the one in the authorisation matrix)', async () => {
    const routes = await describedRoutes();
    for (const r of routes) expect(r.role, `${r.method} ${r.path}`).toBe(ROUTES[`${r.method} ${r.path}`]?.role);
  });
});

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (schema validator)', async () => {
    const doc = await docPromise;
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const validator = new Validator();
    const res = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(res.errors ?? [], 'OpenAPI schema errors').toEqual([]);
    expect(res.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('every operation has an id, a summary, responses with 401 and 403, and the role; every $ref resolves', async () => {
    const doc = await docPromise;
    const ids = new Set<string>();
    for (const { key, op } of operations(doc)) {
      expect(ids.has(op.operationId), `${key}: operationId ${op.operationId} is unique`).toBe(false);
      ids.add(op.operationId);
      expect(op.summary, `${key}: give its apiRoute() a summary`).not.toBe(key.replace(/\{(\w+)\}/g, '[$1]'));
      expect(Object.keys(op.responses).length, key).toBeGreaterThan(2);
      expect(op.responses['401'], key).toBeDefined();
      expect(op.responses['403'], key).toBeDefined();
      expect(['viewer', 'labeler', 'admin'], key).toContain(op['x-masklab-role']);
      const pathParams = [...key.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(op.parameters?.filter((p) => p.in === 'path').map((p) => p.name) ?? [], key).toEqual(pathParams);
    }
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(20);
    for (const ref of all) {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], doc);
      expect(target, ref).toBeDefined();
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie' });
  });

  it('carries the zod schemas the handlers validate with', async () => {
    const doc = await docPromise;
    const json = (p: string, m: string, type = 'application/json') => doc.paths[p][m].requestBody?.content[type]?.schema as JsonSchema;

    // POST /api/training/retrain: z.object({ seed: int ≥ 0 }).strict()
    const retrain = json('/api/training/retrain', 'post');
    expect(retrain).toMatchObject({ type: 'object', properties: { seed: { type: 'integer', minimum: 0 } }, additionalProperties: false });
    expect(doc.paths['/api/training/retrain'].post['x-masklab-role']).toBe('admin');
    expect(doc.paths['/api/training/retrain'].post.responses['200'].content?.['application/json'].schema).toMatchObject({
      properties: { jobId: { type: 'string' }, alreadyQueued: { type: 'boolean' } },
    });

    // POST /api/labels: the selection and the label enum
    const labels = json('/api/labels', 'post');
    const flat = JSON.stringify(labels);
    expect(flat).toContain('"faceIds"');
    expect(flat).toContain('"filter"');
    expect(flat).toContain(JSON.stringify({ type: 'string', enum: [...LABELS] }).slice(1, -1));

    // GET /api/labels/queue: query parameters with their constraints and defaults
    const queue = doc.paths['/api/labels/queue'].get.parameters!;
    expect(queue.find((p) => p.name === 'limit')).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } });
    expect(queue.find((p) => p.name === 'order')?.schema).toMatchObject({ enum: ['uncertain', 'imported', 'suggested'] });

    // multipart: POST /api/predict's image, POST /api/photos's files
    expect(json('/api/predict', 'post', 'multipart/form-data')).toMatchObject({ required: ['image'], properties: { image: { type: 'string', format: 'binary' } } });
    expect(json('/api/photos', 'post', 'multipart/form-data')).toMatchObject({
      required: ['files'],
      properties: { files: { type: 'array', minItems: 1, items: { format: 'binary' } }, source: { enum: ['upload', 'camera'] } },
    });
    // a raw body: POST /api/photos/zip
    expect(Object.keys(doc.paths['/api/photos/zip'].post.requestBody!.content)).toEqual(['application/zip']);
    expect(doc.paths['/api/photos/zip'].post.responses['202']).toBeDefined();
    expect(doc.paths['/api/photos/zip'].post.responses['413'].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    // path parameters
    expect(doc.paths['/api/models/run/{runId}/{file}'].get.parameters?.map((p) => p.name)).toEqual(['runId', 'file']);
  });
});

describe('a document a client generator can trust (issue 22)', () => {
  it('describes the body of every success response: JSON with a schema, anything else as bytes of its type', async () => {
    const doc = await docPromise;
    const missing: string[] = [];
    for (const { key, op } of operations(doc)) {
      const ok = Object.entries(op.responses).filter(([status]) => Number(status) < 300);
      expect(ok.length, `${key} has a success response`).toBeGreaterThan(0);
      for (const [status, r] of ok) {
        const content = Object.entries(r.content ?? {});
        if (content.length === 0 || content.some(([, c]) => !c.schema || Object.keys(c.schema).length === 0)) missing.push(`${key} ${status}`);
      }
    }
    expect(missing, 'success responses without a schema: give their apiRoute() `responses: { 200: { description, schema } }`').toEqual([]);
    // an image is bytes of its type; an object answer lists its fields, required ones named, no others allowed
    expect(doc.paths['/api/photos/{id}/image'].get.responses['200'].content?.['image/jpeg'].schema).toEqual({ type: 'string', contentMediaType: 'image/jpeg' });
    const face = doc.components.schemas.FaceCard;
    expect(face).toMatchObject({ type: 'object', additionalProperties: false });
    expect(face.required).toEqual(expect.arrayContaining(['id', 'photoId', 'box', 'label', 'suggestion']));
    expect((face.properties as Record<string, JsonSchema>).label).toMatchObject({ anyOf: [{ $ref: '#/components/schemas/Label' }, { type: 'null' }] });
    expect(doc.components.schemas.Label).toMatchObject({ type: 'string', enum: [...LABELS] });
  });

  it('has servers, a licence, tags with descriptions, unique operation ids and both security schemes', async () => {
    const doc = await docPromise;
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(doc.info.license.name).toBeTruthy();
    const used = new Set(operations(doc).flatMap(({ op }) => op.tags));
    expect(
      [...used].filter((t) => !(t in TAGS)),
      'tags with no entry in TAGS (lib/http/openapi.ts)',
    ).toEqual([]);
    expect(doc.tags.map((t) => t.name).sort()).toEqual([...used].sort());
    for (const t of doc.tags) expect(t.description.length, t.name).toBeGreaterThan(10);
    const ids = operations(doc).map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.security).toEqual([{ session: [] }, { bearer: [] }]);
    // a token cannot make tokens: that operation takes the session cookie alone
    expect(doc.paths['/api/tokens'].post.security).toEqual([{ session: [] }]);
    expect(doc.paths['/api/tokens'].get.security).toBeUndefined();
  });

  it('POST /api/labels takes faceId; an upload\'s label is one of the label vocabulary', async () => {
    const doc = await docPromise;
    const labels = doc.paths['/api/labels'].post.requestBody!.content['application/json'].schema as JsonSchema;
    expect(Object.keys(labels.properties as object)).toEqual(expect.arrayContaining(['faceId', 'faceIds', 'filter', 'label']));
    const upload = doc.paths['/api/photos'].post.requestBody!.content['multipart/form-data'].schema as JsonSchema;
    expect((upload.properties as Record<string, JsonSchema>).label).toMatchObject({ enum: [...LABELS] });
    const zip = doc.paths['/api/photos/zip'].post.parameters!.find((p) => p.name === 'label');
    expect(zip?.schema).toMatchObject({ enum: [...LABELS] });
  });

  it('lists are paginated by cursor: ?cursor=&limit= in, { items, nextCursor } out', async () => {
    const doc = await docPromise;
    for (const p of ['/api/faces', '/api/photos', '/api/runs', '/api/label-errors']) {
      const op = doc.paths[p].get;
      expect(op.parameters?.map((x) => x.name), p).toEqual(expect.arrayContaining(['cursor', 'limit']));
      expect(op.parameters?.find((x) => x.name === 'limit')?.schema, p).toMatchObject({ type: 'integer', minimum: 1, maximum: 200, default: 50 });
      const schema = op.responses['200'].content?.['application/json'].schema as JsonSchema;
      expect(schema, p).toMatchObject({ type: 'object', properties: { items: { type: 'array' }, nextCursor: { type: ['string', 'null'] } } });
      expect(schema.required, p).toEqual(expect.arrayContaining(['items', 'nextCursor']));
    }
    // the gallery's filter, strict: a value outside the vocabulary is a 400, not "any"
    const label = doc.paths['/api/faces'].get.parameters!.find((x) => x.name === 'label');
    expect(label?.schema).toMatchObject({ enum: ['', 'unlabelled', 'labelled', ...LABELS] });
  });
});

describe('buildOpenApi (pure)', () => {
  it('turns dynamic segments into path parameters, hoists schemas with an id into components, and refuses a non-object query', () => {
    const Point = z.object({ x: z.number(), y: z.number() }).meta({ id: 'Point' });
    const doc = buildOpenApi(
      [
        { path: '/api/things/[id]', method: 'PUT', role: 'labeler', body: z.object({ at: Point, also: Point }) },
        { path: '/api/things/[id]', method: 'GET', role: 'viewer', query: z.object({ n: z.coerce.number().int().optional() }) },
      ],
      { version: '1' },
    );
    expect(Object.keys(doc.paths)).toEqual(['/api/things/{id}']);
    expect(Object.keys(doc.paths['/api/things/{id}'])).toEqual(['get', 'put']);
    expect(doc.components.schemas.Point).toMatchObject({ type: 'object', required: ['x', 'y'] });
    expect(doc.paths['/api/things/{id}'].put.requestBody!.content['application/json'].schema).toMatchObject({
      properties: { at: { $ref: '#/components/schemas/Point' } },
    });
    expect(doc.paths['/api/things/{id}'].get.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'n', in: 'query', required: false, schema: { type: 'integer' } },
    ]);
    expect(doc.paths['/api/things/{id}'].put.description).toMatch(/labeler or admin/);
    expect(() => buildOpenApi([{ path: '/api/x', method: 'GET', role: 'viewer', query: z.string() }], { version: '1' })).toThrow(/z\.object/);
    expect(() =>
      buildOpenApi(
        [
          { path: '/api/x', method: 'GET', role: 'viewer' },
          { path: '/api/x', method: 'GET', role: 'admin' },
        ],
        { version: '1' },
      ),
    ).toThrow(/twice/);
  });

  it('a method exported without apiRoute() cannot be described', async () => {
    const plain = async () => new Response('x');
    await expect(describedRoutes({ '/api/plain': async () => ({ GET: plain }) })).rejects.toThrow(/GET \/api\/plain is not an apiRoute/);
  });
});

describe('/api/docs page', () => {
  it('shows every operation, escapes text, and its CSP allows exactly its own stylesheet', async () => {
    const doc = await docPromise;
    const html = renderDocsHtml(doc, { jsonUrl: '/api/openapi.json' });
    for (const { op } of operations(doc)) expect(html).toContain(`id="${op.operationId}"`);
    expect(html).toContain('<code>/api/training/retrain</code>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    const hash = crypto.createHash('sha256').update(style).digest('base64');
    expect(docsCsp()).toContain(`style-src 'sha256-${hash}'`);
    expect(docsCsp()).toMatch(/default-src 'none'/);
    const evil = buildOpenApi([{ path: '/api/x', method: 'GET', role: 'viewer', summary: '<img src=x onerror=alert(1)>' }], { version: '1' });
    expect(renderDocsHtml(evil, { jsonUrl: '/j' })).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(renderDocsHtml(evil, { jsonUrl: '/j' })).not.toContain('<img');
  });
});
