// Every entry point goes through the one authorisation helper (app/_server/guard.ts):
// a new page, route or server action that forgets it fails here before it ships.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const APP = path.join(__dirname, '..', '..', 'app');

function files(dir: string, match: (name: string) => boolean, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files(p, match, out);
    else if (match(e.name)) out.push(p);
  }
  return out;
}
const rel = (p: string) => path.relative(APP, p);

describe('authorisation coverage', () => {
  it('every route handler export is wrapped in apiRoute (next-auth excepted)', () => {
    const routes = files(path.join(APP, 'api'), (n) => n === 'route.ts').filter((f) => !f.includes(`${path.sep}auth${path.sep}`));
    expect(routes.length).toBeGreaterThan(10);
    for (const f of routes) {
      const src = fs.readFileSync(f, 'utf8');
      const exported = [...src.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\s*=\s*([^\n]*)/g)];
      expect(exported.length, rel(f)).toBeGreaterThan(0);
      for (const [, method, rhs] of exported) expect(rhs, `${method} in ${rel(f)}`).toMatch(/^apiRoute(<[^(]*>)?\(/);
      expect(src, rel(f)).not.toMatch(/export (async )?function (GET|POST|PUT|PATCH|DELETE)/);
    }
  });

  it('every server action is wrapped in serverAction', () => {
    const actions = files(APP, (n) => /\.tsx?$/.test(n)).filter((f) => /^['"]use server['"]/m.test(fs.readFileSync(f, 'utf8')));
    expect(actions.length).toBeGreaterThan(3);
    for (const f of actions) {
      const src = fs.readFileSync(f, 'utf8');
      const exported = [...src.matchAll(/^export (const|async function|function) (\w+)\s*=?\s*([^\n]*)/gm)];
      for (const [, kind, name, rhs] of exported) {
        expect(kind, `${name} in ${rel(f)}`).toBe('const');
        expect(rhs, `${name} in ${rel(f)}`).toMatch(/^serverAction(<[^(]*>)?\(/);
      }
    }
  });

  it('every signed-in page calls pageGuard', () => {
    const pages = files(path.join(APP, '(app)'), (n) => n === 'page.tsx');
    expect(pages.length).toBeGreaterThan(8);
    for (const f of pages) expect(fs.readFileSync(f, 'utf8'), rel(f)).toMatch(/await pageGuard\(/);
  });
});
