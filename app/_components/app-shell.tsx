import Link from 'next/link';
import type { Actor } from '@/lib/auth/roles';
import { hasRole } from '@/lib/auth/roles';
import { NAV_ITEMS } from './nav';
import { NavLink } from './nav-link';
import { SignOutButton } from './sign-out-button';

export function AppShell({ actor, children }: { actor: Actor; children: React.ReactNode }) {
  const items = NAV_ITEMS.filter((i) => hasRole(actor.role, i.role));
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/" className="text-xl font-bold tracking-tight">
            mask<span className="text-indigo-600">lab</span>
          </Link>
          <nav aria-label="Main" className="order-3 w-full overflow-x-auto sm:order-none sm:w-auto">
            <ul className="flex gap-1">
              {items.map((i) => (
                <li key={i.href}>
                  <NavLink href={i.href}>{i.label}</NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <details className="relative ml-auto" data-testid="user-menu">
            <summary className="btn-secondary cursor-pointer list-none" aria-label="User menu">
              <span className="max-w-[12rem] truncate">{actor.name || actor.email}</span>
              <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{actor.role}</span>
            </summary>
            <div className="absolute right-0 z-20 mt-2 w-56 rounded-md border border-slate-200 bg-white p-1 shadow-lg">
              <p className="truncate px-3 py-2 text-xs text-slate-500">{actor.email}</p>
              <Link href="/account" className="block rounded px-3 py-2 text-sm hover:bg-slate-100">
                Account
              </Link>
              <SignOutButton />
            </div>
          </details>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        {children}
      </main>
    </div>
  );
}
