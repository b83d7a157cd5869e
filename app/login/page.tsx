import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { safeCallbackPath } from '@/lib/http/redirect';
import { appOrigin } from '@/app/_server/origin';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const sp = await searchParams;
  // Only a path inside the app: `//evil.example`, `/\\evil`, other hosts and `javascript:` become `/`.
  const callbackUrl = safeCallbackPath(sp.callbackUrl, appOrigin(await headers()));
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm">
        <h1 className="mb-1 text-center text-3xl font-bold tracking-tight">
          mask<span className="text-indigo-600">lab</span>
        </h1>
        <p className="mb-6 text-center text-sm text-slate-600">Face dataset and classifier workbench</p>
        <LoginForm callbackUrl={callbackUrl} initialError={sp.error && sp.error !== 'undefined' ? sp.error : undefined} />
      </div>
    </main>
  );
}
