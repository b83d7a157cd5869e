'use client';
// The 403 page's text: which role the page needs (from its path, page-roles.ts) and what to do.
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { ROLE_GIVES, roleForPath } from './page-roles';

export function ForbiddenContent() {
  const path = usePathname() ?? '/';
  const role = roleForPath(path);
  return (
    <div className="mx-auto max-w-lg p-8 text-center" data-testid="forbidden">
      <p className="text-6xl font-bold text-slate-500">403</p>
      <h1 className="mt-2 text-xl font-semibold">Not allowed</h1>
      <p className="mt-2 text-slate-600" data-testid="forbidden-role">
        <code>{path}</code> needs the <strong>{role}</strong> role{role === 'labeler' ? ' (or admin)' : ''}: it lets you{' '}
        {ROLE_GIVES[role]}. Your role is in the menu at the top right; an admin can change it on the Users page.
      </p>
      <Link href="/" className="btn-secondary mt-6">
        Back to Home
      </Link>
    </div>
  );
}
