// The authorisation matrix (tests/authz/matrix.ts) lists every route handler method and every
// server action: a new one without an entry, an entry for one that is gone, or a role that
// differs from the code fails here. e2e/authz.spec.ts then calls each entry as every identity.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTIONS, actionsOnDisk, pageUrlOfWorker, probePath, ROUTES, routeRoleInSource, routeSessionOnlyInSource, routesOnDisk } from '../authz/matrix';

const missing = (have: string[], want: string[]) => want.filter((k) => !have.includes(k));

describe('authorisation matrix', () => {
  const routes = routesOnDisk();
  const actions = actionsOnDisk();

  it('has one entry per route handler method, and none for a method that does not exist', () => {
    expect(routes.length).toBeGreaterThan(15);
    const onDisk = routes.map((r) => r.key);
    expect(missing(Object.keys(ROUTES), onDisk), 'routes without an entry in tests/authz/matrix.ts ROUTES').toEqual([]);
    expect(missing(onDisk, Object.keys(ROUTES)), 'ROUTES entries with no such route method').toEqual([]);
  });

  it('names the role each apiRoute() checks; only next-auth is public; API tokens are accepted unless the route says sessionOnly', () => {
    for (const r of routes) {
      const entry = ROUTES[r.key];
      if (!entry) continue; // reported by the test above
      if (entry.role === 'public') {
        expect(r.route, `${r.key} is public: only /api/auth/* passes the middleware without a session`).toMatch(/^\/api\/auth\//);
        expect(r.src, r.key).not.toMatch(/apiRoute\(/);
        continue;
      }
      expect(routeRoleInSource(r.src, r.method), `${r.key}: role in ${r.file}`).toBe(entry.role);
      // The guard's getActor() takes a session or a token alike; `sessionOnly: true` refuses tokens.
      expect(entry.token, `${r.key}: apiRoute accepts API tokens unless sessionOnly`).toBe(!routeSessionOnlyInSource(r.src, r.method));
    }
  });

  it('has one entry per server action, with the role its serverAction() checks', () => {
    expect(actions.length).toBeGreaterThan(10);
    const onDisk = actions.map((a) => a.key);
    expect(missing(Object.keys(ACTIONS), onDisk), 'server actions without an entry in tests/authz/matrix.ts ACTIONS').toEqual([]);
    expect(missing(onDisk, Object.keys(ACTIONS)), 'ACTIONS entries with no such server action').toEqual([]);
    for (const a of actions) if (ACTIONS[a.key]) expect(a.role, `${a.key}: role in serverAction()`).toBe(ACTIONS[a.key].role);
  });

  it('finds routes, methods and actions however they are exported', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authz-'));
    try {
      const put = (rel: string, src: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), src);
      };
      put('api/a/[id]/route.ts', "export const GET = apiRoute({ role: 'viewer' }, f);\nexport async function DELETE() {}\n");
      put('api/b/route.ts', 'const h = () => 1;\nexport { h as GET, h as PATCH };\n');
      put('(app)/x/actions.ts', "'use server';\nexport const a = serverAction({ role: 'admin', input: s }, f);\nexport async function b() {}\n");
      put('(app)/x/page.tsx', "export default function P() {}\n");
      expect(routesOnDisk(dir).map((r) => r.key).sort()).toEqual(['DELETE /api/a/[id]', 'GET /api/a/[id]', 'GET /api/b', 'PATCH /api/b']);
      expect(actionsOnDisk(dir).map((a) => [a.key, a.role])).toEqual([
        ['(app)/x/actions.ts a', 'admin'],
        ['(app)/x/actions.ts b', null],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds probe URLs and page URLs', () => {
    expect(probePath('/api/models/run/[runId]/[file]')).toBe('/api/models/run/authz-runId/model.json');
    expect(probePath('/api/auth/[...nextauth]')).toBe('/api/auth/authz-nextauth/x');
    expect(probePath('/api/me', { path: '/api/me?x=1' })).toBe('/api/me?x=1');
    expect(pageUrlOfWorker('app/(app)/admin/users/page')).toBe('/admin/users');
    expect(pageUrlOfWorker('app/(app)/page')).toBe('/');
  });
});
