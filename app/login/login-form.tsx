'use client';

import { signIn } from 'next-auth/react';
import { useState } from 'react';

const GENERIC: Record<string, string> = {
  CredentialsSignin: 'Wrong e-mail or password.',
  SessionRequired: 'Please sign in.',
};

export function LoginForm({ callbackUrl, initialError }: { callbackUrl: string; initialError?: string }) {
  const [error, setError] = useState<string | undefined>(initialError ? (GENERIC[initialError] ?? initialError) : undefined);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    const res = await signIn('credentials', {
      email: String(form.get('email') ?? ''),
      password: String(form.get('password') ?? ''),
      redirect: false,
    });
    if (res?.ok && !res.error) {
      window.location.assign(callbackUrl);
      return;
    }
    setBusy(false);
    setError(res?.error ? (GENERIC[res.error] ?? res.error) : 'Sign-in failed. Try again.');
  }

  return (
    <form onSubmit={onSubmit} className="card space-y-4" noValidate aria-describedby={error ? 'login-error' : undefined}>
      <div>
        <label htmlFor="email" className="label">
          E-mail
        </label>
        <input id="email" name="email" type="email" autoComplete="username" required className="input" autoFocus />
      </div>
      <div>
        <label htmlFor="password" className="label">
          Password
        </label>
        <input id="password" name="password" type="password" autoComplete="current-password" required className="input" />
      </div>
      {error && (
        <p id="login-error" role="alert" className="alert-error">
          {error}
        </p>
      )}
      <button type="submit" className="btn-primary w-full" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
