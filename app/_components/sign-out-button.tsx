'use client';

import { signOut } from 'next-auth/react';

export function SignOutButton() {
  return (
    <button
      type="button"
      onClick={() => signOut({ callbackUrl: '/login' })}
      className="block w-full rounded px-3 py-2 text-left text-sm hover:bg-slate-100"
    >
      Sign out
    </button>
  );
}
