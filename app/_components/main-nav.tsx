'use client';
// The main menu: a row of links on wide screens; on phones one "Menu" button that opens them as a
// list (aria-expanded, Escape closes it and gives focus back to the button, following a link closes it).
import { usePathname } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { NavLink } from './nav-link';

export function MainNav({ items }: { items: { href: string; label: string }[] }) {
  const [open, setOpen] = useState(false);
  const path = usePathname();
  const button = useRef<HTMLButtonElement>(null);
  const current = items.find((i) => (i.href === '/' ? path === '/' : path === i.href || path.startsWith(i.href + '/')));

  // A navigation (link, back button) closes the menu.
  useEffect(() => setOpen(false), [path]);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);

  return (
    <nav aria-label="Main" className="order-first lg:order-none">
      <button
        ref={button}
        type="button"
        className="btn-secondary min-h-11 lg:hidden"
        aria-expanded={open}
        aria-controls="main-menu"
        onClick={() => setOpen((o) => !o)}
        data-testid="menu-button"
      >
        <svg aria-hidden viewBox="0 0 20 20" className="h-5 w-5" fill="currentColor">
          {open ? (
            <path d="M5.3 4.3 10 9l4.7-4.7 1 1L11 10l4.7 4.7-1 1L10 11l-4.7 4.7-1-1L9 10 4.3 5.3z" />
          ) : (
            <path d="M3 5h14v1.5H3zm0 4.25h14v1.5H3zM3 13.5h14V15H3z" />
          )}
        </svg>
        Menu
        {current && current.href !== '/' && <span className="sr-only">(on {current.label})</span>}
      </button>
      <ul
        id="main-menu"
        className={`${open ? 'flex' : 'hidden'} absolute inset-x-0 top-full z-30 max-h-[calc(100dvh-4rem)] flex-col gap-1 overflow-y-auto border-b border-slate-200 bg-surface p-2 shadow-lg lg:static lg:flex lg:flex-row lg:flex-wrap lg:overflow-visible lg:border-0 lg:bg-transparent lg:p-0 lg:shadow-none`}
      >
        {items.map((i) => (
          <li key={i.href}>
            <NavLink href={i.href}>{i.label}</NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
