'use client';

import { useState, useTransition } from 'react';
import { Message, type Msg } from '@/app/_components/message';
import { changePasswordAction, createTokenAction, revokeTokenAction } from './actions';


export function PasswordForm() {
  const [msg, setMsg] = useState<Msg>(null);
  const [pending, start] = useTransition();
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const f = new FormData(form);
        start(async () => {
          const res = await changePasswordAction({
            current: String(f.get('current')),
            next: String(f.get('next')),
            confirm: String(f.get('confirm')),
          });
          if (!res.ok) return setMsg({ kind: 'error', text: res.error });
          form.reset();
          setMsg({ kind: 'ok', text: 'Password changed.' });
        });
      }}
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

type Token = { id: string; name: string; createdAt: string; lastUsedAt: string | null };

export function TokenPanel({ tokens }: { tokens: Token[] }) {
  const [msg, setMsg] = useState<Msg>(null);
  const [pending, start] = useTransition();
  return (
    <div className="space-y-3">
      <form
        className="flex items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const name = String(new FormData(form).get('name'));
          start(async () => {
            const res = await createTokenAction({ name });
            if (!res.ok) return setMsg({ kind: 'error', text: res.error });
            form.reset();
            setMsg({ kind: 'ok', text: `New token (copy it now, it is shown once): ${res.data.token}` });
          });
        }}
      >
        <div className="grow">
          <label className="label" htmlFor="token-name">
            Token name
          </label>
          <input id="token-name" name="name" required className="input" placeholder="e.g. batch predict script" />
        </div>
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
                · created {new Date(t.createdAt).toLocaleDateString()} · {t.lastUsedAt ? `last used ${new Date(t.lastUsedAt).toLocaleString()}` : 'never used'}
              </span>
            </span>
            <button
              type="button"
              className="btn-danger py-1"
              disabled={pending}
              onClick={() =>
                start(async () => {
                  const res = await revokeTokenAction({ id: t.id });
                  setMsg(res.ok ? { kind: 'ok', text: `Revoked ${t.name}.` } : { kind: 'error', text: res.error });
                })
              }
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
