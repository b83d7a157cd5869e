import Link from 'next/link';
import type { Actor } from '@/lib/auth/roles';
import { hasRole } from '@/lib/auth/roles';
import { MainNav } from './main-nav';
import { NAV_ITEMS } from './nav';
import { SignOutButton } from './sign-out-button';
import { ThemeSwitch } from './theme-switch';
import { UserMenu } from './user-menu';

export function AppShell({ actor, children }: { actor: Actor; children: React.ReactNode }) {
  const items = NAV_ITEMS.filter((i) => hasRole(actor.role, i.role)).map(({ href, label }) => ({ href, label }));
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-surface focus:p-2">
        Skip to content
      </a>
      <header className="relative border-b border-slate-200 bg-surface">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3 lg:gap-x-6">
          <Link href="/" className="text-xl font-bold tracking-tight">
            mask<span className="text-indigo-600">lab</span>
          </Link>
          <MainNav items={items} />
          <UserMenu
            summary={
              <>
                <span className="max-w-[6rem] truncate sm:max-w-[12rem]">{actor.name || actor.email}</span>
                <span className="hidden rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600 sm:inline">{actor.role}</span>
              </>
            }
          >
            <p className="truncate px-3 py-2 text-xs text-slate-600" title={actor.email}>
              {actor.email}
            </p>
            <Link href="/account" className="block rounded px-3 py-2 text-sm hover:bg-slate-100">
              Account
            </Link>
            <a href="/api/docs" className="block rounded px-3 py-2 text-sm hover:bg-slate-100">
              API documentation
            </a>
            <ThemeSwitch />
            <SignOutButton />
          </UserMenu>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        {children}
      </main>
    </div>
  );
}
