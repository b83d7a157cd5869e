import type { Role } from '@/lib/auth/roles';

/** The app's pages, in menu order. A page appears here once it exists. */
export const NAV_ITEMS: { href: string; label: string; role: Role }[] = [
  { href: '/', label: 'Home', role: 'viewer' },
  { href: '/collect', label: 'Collect', role: 'labeler' },
  { href: '/label', label: 'Label', role: 'labeler' },
  { href: '/gallery', label: 'Gallery', role: 'viewer' },
  { href: '/dashboard', label: 'Dashboard', role: 'viewer' },
  { href: '/training', label: 'Training', role: 'viewer' },
  { href: '/preview', label: 'Preview', role: 'viewer' },
  { href: '/reviews', label: 'Reviews', role: 'admin' },
  { href: '/admin/users', label: 'Users', role: 'admin' },
  { href: '/admin/webhooks', label: 'Webhooks', role: 'admin' },
];
