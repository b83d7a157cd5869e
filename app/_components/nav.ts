import type { Role } from '@/lib/auth/roles';

/** The app's pages, in menu order. A page appears here once it exists. */
export const NAV_ITEMS: { href: string; label: string; role: Role }[] = [
  { href: '/', label: 'Home', role: 'viewer' },
  { href: '/preview', label: 'Preview', role: 'viewer' },
  { href: '/admin/users', label: 'Users', role: 'admin' },
];
