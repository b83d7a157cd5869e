'use client';

import { useState } from 'react';
import { Message } from '@/app/_components/message';
import { useAction } from '@/app/_components/use-action';
import { SessionList, type SessionRow } from '@/app/_components/session-list';
import { changePasswordAction, createTokenAction, revokeOtherSessionsAction, revokeSessionAction, revokeTokenAction } from './actions';

export function PasswordForm() {
  const { msg, pending, run, submit } = useAction();
  return (
    <form
      className="space-y-3"
      onSubmit={submit((f, form) =>
        run(
          () => changePasswordAction({ current: String(f.get('current')), next: String(f.get('next')), confirm: String(f.get('confirm')) }),
          ({ signedOut }) => {
            form.reset();
            if (!signedOut) return 'Password changed. Your other sessions have ended and your API tokens no longer work.';
            window.setTimeout(() => window.location.assign('/login'), 1500);
            return 'Password changed. All your sessions have ended: sign in again with the new password.';
          },
        ),
      )}
    >
      {(
        [
          ['current', 'Current password', 'current-password'],
          ['next', 'New password (8+ characters)', 'new-password'],
          ['confirm', 'New password again', 'new-password'],
        ] as const
      ).map(([name, label, ac]) => (
        <div key={name}>
          <label className="label" htmlFor={`pw-${name}`}>
            {label}
          </label>
          <input id={`pw-${name}`} name={name} type="password" autoComplete={ac} required className="input" />
        </div>
      ))}
      <Message msg={msg} />
      <button className="btn-primary" disabled={pending}>
        Change password
      </button>
    </form>
  );
}

type Token = { id: string; name: string; createdAt: string; lastUsedAt: string | null; expiresAt: string | null; revoked: boolean };
type Expiry = 'never' | '30' | '90' | 'date';

function tokenState(t: Token, now: number): string {
  if (t.revoked) return 'revoked by a password change';
  if (!t.expiresAt) return 'never expires';
  const at = new Date(t.expiresAt);
  return at.getTime() <= now ? `expired ${at.toLocaleDateString()}` : `expires ${at.toLocaleDateString()}`;
}

export function TokenPanel({ tokens, now }: { tokens: Token[]; now: number }) {
  const { msg, pending, run, submit } = useAction();
  const [expiry, setExpiry] = useState<Expiry>('90');
  return (
    <div className="space-y-3">
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={submit((f, form) =>
          run(
            () => createTokenAction({ name: String(f.get('name')), expiry, date: String(f.get('date') ?? '') || undefined }),
            ({ token, expiresAt }) => {
              form.reset();
              const until = expiresAt ? `, valid until ${new Date(expiresAt).toLocaleString()}` : '';
              return `New token (copy it now, it is shown once${until}): ${token}`;
            },
          ),
        )}
      >
        <div className="grow">
          <label className="label" htmlFor="token-name">
            Token name
          </label>
          <input id="token-name" name="name" required className="input" placeholder="e.g. batch predict script" />
        </div>
        <div>
          <label className="label" htmlFor="token-expiry">
            Expires
          </label>
          <select id="token-expiry" name="expiry" className="input" value={expiry} onChange={(e) => setExpiry(e.target.value as Expiry)}>
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="date">on a date…</option>
            <option value="never">never</option>
          </select>
        </div>
        {expiry === 'date' && (
          <div>
            <label className="label" htmlFor="token-date">
              Expiry date
            </label>
            <input id="token-date" name="date" type="date" required className="input" />
          </div>
        )}
        <button className="btn-primary" disabled={pending}>
          Create token
        </button>
      </form>
      <Message msg={msg} />
      <ul className="divide-y divide-slate-100 text-sm">
        {tokens.map((t) => (
          <li key={t.id} className="flex items-center justify-between py-2">
            <span>
              {t.name}{' '}
              <span className="text-slate-500">
                · created {new Date(t.createdAt).toLocaleDateString()} · {t.lastUsedAt ? `last used ${new Date(t.lastUsedAt).toLocaleString()}` : 'never used'} ·{' '}
                <span data-testid="token-expiry">{tokenState(t, now)}</span>
              </span>
            </span>
            <button
              type="button"
              className="btn-danger py-1"
              disabled={pending}
              onClick={() => run(() => revokeTokenAction({ id: t.id }), () => `Revoked ${t.name}.`)}
            >
              Revoke
            </button>
          </li>
        ))}
        {tokens.length === 0 && <li className="py-2 text-slate-500">No tokens yet.</li>}
      </ul>
    </div>
  );
}

export function SessionPanel({ sessions }: { sessions: SessionRow[] }) {
  return (
    <SessionList
      sessions={sessions}
      who="your account"
      revoke={(id) => revokeSessionAction({ id })}
      revokeOthers={() => revokeOtherSessionsAction({})}
      othersLabel="Sign out everywhere else"
    />
  );
}
