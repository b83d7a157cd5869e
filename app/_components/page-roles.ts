// The least role of each page that needs more than viewer, by path, so the 403 page can say which
// role was missing (Next's forbidden() carries no data). tests/unit/page-roles.test.ts checks it
// against every page's own pageGuard(role, path) call.
import type { Role } from '@/lib/auth/role-names';

/** Most specific first; a path not listed needs viewer. */
export const PAGE_ROLES: { prefix: string; role: Role }[] = [
  { prefix: '/reviews/label-errors', role: 'viewer' },
  { prefix: '/reviews', role: 'labeler' },
  { prefix: '/collect', role: 'labeler' },
  { prefix: '/label', role: 'labeler' },
  { prefix: '/admin', role: 'admin' },
];

export function roleForPath(path: string): Role {
  const hit = PAGE_ROLES.find((p) => path === p.prefix || path.startsWith(`${p.prefix}/`));
  return hit?.role ?? 'viewer';
}

/** What each role adds, for the 403 page. */
export const ROLE_GIVES: Record<Role, string> = {
  viewer: 'look at the dataset, the runs and the model',
  labeler: 'upload photos, label faces and give second opinions',
  admin: 'retrain and promote models, decide reviews, and manage users and webhooks',
};
