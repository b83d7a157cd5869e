// The 403 page names the role a page needs from its path (app/_components/page-roles.ts); this
// keeps that table in step with each page's own pageGuard(role, path).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { roleForPath } from '@/app/_components/page-roles';

const ROOT = path.join(__dirname, '..', '..');

function pages(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? pages(p) : e.name === 'page.tsx' ? [p] : [];
  });
}

describe('page roles', () => {
  const guarded = pages(path.join(ROOT, 'app', '(app)')).map((file) => {
    const m = /pageGuard\('(\w+)',\s*[`'](\/[^`'$]*)/.exec(fs.readFileSync(file, 'utf8'));
    return { file: path.relative(ROOT, file), role: m?.[1], path: m?.[2] };
  });

  it('finds every page with its role and path', () => {
    expect(guarded.length).toBeGreaterThan(10);
    for (const g of guarded) expect(g, g.file).toMatchObject({ role: expect.any(String), path: expect.any(String) });
  });

  it.each(guarded.map((g) => [g.file, g]))('%s: the 403 page names the role its guard asks', (_f, g) => {
    expect(roleForPath(g.path!.replace(/\/$/, '') || '/')).toBe(g.role);
  });

  it('matches whole path segments', () => {
    expect(roleForPath('/labels')).toBe('viewer');
    expect(roleForPath('/label')).toBe('labeler');
    expect(roleForPath('/admin/users')).toBe('admin');
    expect(roleForPath('/reviews/label-errors')).toBe('viewer');
  });
});
