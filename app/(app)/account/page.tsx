import type { Metadata } from 'next';
import { currentSessionId, pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { listTokens } from '@/lib/auth/tokens';
import { describeSessions, listSessions } from '@/lib/auth/sessions';
import { PasswordForm, SessionPanel, TokenPanel } from './account-forms';

export const metadata: Metadata = { title: 'Account' };

export default async function AccountPage() {
  const actor = await pageGuard('viewer', '/account');
  const tokens = await listTokens(db(), actor.id);
  const sessions = describeSessions(await listSessions(db(), actor.id), await currentSessionId());
  return (
    <div className="max-w-2xl space-y-6">
      <h1 className="text-2xl font-semibold">Your account</h1>
      <p className="text-slate-600">
        {actor.email} · role <strong>{actor.role}</strong>
      </p>
      <section className="card" aria-labelledby="pw">
        <h2 id="pw" className="mb-3 font-medium">
          Change password
        </h2>
        <PasswordForm />
      </section>
      <section className="card" aria-labelledby="sessions">
        <h2 id="sessions" className="mb-1 font-medium">
          Sessions
        </h2>
        <p className="mb-3 text-sm text-slate-600">
          The browsers signed in to your account. Revoke one you do not recognise or no longer use: it is signed out at once.
        </p>
        <SessionPanel sessions={sessions} />
      </section>
      <section className="card" aria-labelledby="tokens">
        <h2 id="tokens" className="mb-1 font-medium">
          API tokens
        </h2>
        <p className="mb-3 text-sm text-slate-600">
          For scripts: send <code>Authorization: Bearer &lt;token&gt;</code>. A token acts with your role, until it expires or you change your password.
        </p>
        <TokenPanel
          now={Date.now()}
          tokens={tokens.map((t) => ({
            ...t,
            createdAt: t.createdAt.toISOString(),
            lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
            expiresAt: t.expiresAt?.toISOString() ?? null,
          }))}
        />
      </section>
    </div>
  );
}
