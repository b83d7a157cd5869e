// The OpenAPI document of this app: the options every apiRoute() handler carries (its role,
// zod schemas and texts), read from the modules listed in api-routes.ts, given to the pure
// builder in lib/http/openapi.ts. Built once per process.
import { buildOpenApi, HTTP_METHODS, type OpenApiDocument, type RouteDoc } from '@/lib/http/openapi';
import { config } from '@/lib/config';
import pkg from '@/package.json';
import { API_ROUTES } from './api-routes';
import type { RouteSpec } from './guard';

/** The described operations of the listed route modules; a method exported without apiRoute() is an error. */
export async function describedRoutes(routes = API_ROUTES): Promise<RouteDoc[]> {
  const out: RouteDoc[] = [];
  for (const [path, load] of Object.entries(routes)) {
    const mod = await load();
    for (const method of HTTP_METHODS) {
      const handler = mod[method] as { openapi?: RouteSpec } | undefined;
      if (handler === undefined) continue;
      if (!handler.openapi) throw new Error(`${method} ${path} is not an apiRoute(): it cannot be described`);
      out.push({ ...handler.openapi, path, method });
    }
  }
  return out;
}

let cached: Promise<OpenApiDocument> | null = null;

export function apiDocument(): Promise<OpenApiDocument> {
  cached ??= describedRoutes().then((routes) => {
    // The public URL when one is configured (NEXTAUTH_URL), else the origin serving the document.
    const appUrl = config().appUrl;
    const license = (pkg as { license?: string }).license;
    return buildOpenApi(routes, {
      version: pkg.version,
      ...(license ? { license } : {}),
      ...(appUrl ? { servers: [{ url: appUrl.replace(/\/+$/, ''), description: 'This app (its configured public URL)' }] } : {}),
    });
  });
  cached.catch(() => (cached = null));
  return cached;
}
