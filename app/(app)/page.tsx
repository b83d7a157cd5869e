import Link from 'next/link';
import { pageGuard } from '@/app/_server/guard';
import { hasRole } from '@/lib/auth/roles';
import { NAV_ITEMS } from '@/app/_components/nav';

export default async function Home() {
  const actor = await pageGuard('viewer', '/');
  const pages = NAV_ITEMS.filter((i) => i.href !== '/' && hasRole(actor.role, i.role));
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Welcome, {actor.name || actor.email}</h1>
        <p className="mt-1 text-slate-600">
          masklab turns your team&apos;s photos into a labelled face dataset (mask or not, young or old) and trains a classifier
          from it. You are signed in as <strong>{actor.role}</strong>.
        </p>
      </div>
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {pages.map((p) => (
          <li key={p.href}>
            <Link href={p.href} className="card block hover:border-indigo-300">
              <span className="font-medium">{p.label}</span>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
