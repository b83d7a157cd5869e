// masklab's typed API client: openapi-fetch over the types openapi-typescript generated from
// GET /api/openapi.json (openapi.d.ts; `npm run client:generate` rewrites them, CI fails when they
// are stale). Use it from a masklab checkout, or copy this folder into your project and
// `npm install openapi-fetch`. See clients/typescript/README.md.
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './openapi';

export type { components, operations, paths } from './openapi';
export type MasklabClient = Client<paths>;

/**
 * A client for the masklab at `baseUrl` (e.g. `http://localhost:3000`) that sends `token`, an API
 * token (Account → API tokens, `POST /api/tokens`, or `npm run cli -- token create <email> --name <name>`).
 */
export function createMasklabClient(baseUrl: string, token: string, options: Omit<ClientOptions, 'baseUrl'> = {}): MasklabClient {
  return createClient<paths>({
    ...options,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...(options.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` },
  });
}

/**
 * The multipart body of an upload or a prediction, as openapi-fetch's `bodySerializer`: an array
 * becomes one field per item, a Blob or File stays a file (give Files a name: the server keeps it).
 *
 *   await client.POST('/api/photos', { body: { files: [file] }, bodySerializer: multipart });
 */
export function multipart(body: unknown): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined) continue;
      if (item instanceof Blob) form.append(name, item);
      else form.append(name, String(item));
    }
  }
  return form;
}
