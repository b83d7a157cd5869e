'use client';

import { ROLES } from '@/lib/auth/role-names';
import { Message } from '@/app/_components/message';
import { SelectField, SubmitRow } from '@/app/_components/fields';
import { useAction } from '@/app/_components/use-action';
import { SessionList, type SessionRow } from '@/app/_components/session-list';
import { createUserAction, resetPasswordAction, revokeUserSessionAction, revokeUserSessionsAction, setDisabledAction, setRoleAction } from './actions';

export function CreateUserForm() {
  const { msg, pending, run, submit } = useAction();
  return (
    <form
      className="grid gap-3 sm:grid-cols-5 sm:items-end"
      onSubmit={submit((f, form) =>
        run(
          () =>
            createUserAction({
              email: String(f.get('email')),
              name: String(f.get('name') || '') || undefined,
              role: String(f.get('role')) as (typeof ROLES)[number],
              password: String(f.get('password') || '') || undefined,
            }),
          ({ email, password }) => {
            form.reset();
            return password ? `Created ${email}. Their password (shown once): ${password}` : `Created ${email}.`;
          },
        ),
      )}
    >
      <div>
        <label className="label" htmlFor="new-email">
          E-mail
        </label>
        <input id="new-email" name="email" type="email" required className="input" />
      </div>
      <div>
        <label className="label" htmlFor="new-name">
          Name (optional)
        </label>
        <input id="new-name" name="name" className="input" />
      </div>
      <SelectField id="new-role" name="role" label="Role" defaultValue="labeler" options={ROLES.map((r) => ({ value: r, label: r }))} />
      <div>
        <label className="label" htmlFor="new-password">
          Password (blank: generate)
        </label>
        <input id="new-password" name="password" type="password" autoComplete="new-password" className="input" />
      </div>
      <SubmitRow label="Add user" busy="Adding…" pending={pending} msg={msg} className="sm:col-span-5" />
    </form>
  );
}

type RowUser = { id: string; email: string; name: string | null; role: string; disabled: boolean };

export function UserRow({ user, self, sessions }: { user: RowUser; self: boolean; sessions: SessionRow[] }) {
  const { msg, pending, run } = useAction();
  return (
    <>
      <tr className="border-t border-slate-100" data-testid={`user-row-${user.email}`}>
        <td className="py-2 pr-4">
          {user.email}
          {self && <span className="ml-2 text-xs text-slate-500">(you)</span>}
        </td>
        <td className="py-2 pr-4">{user.name}</td>
        <td className="py-2 pr-4">
          <label className="sr-only" htmlFor={`role-${user.id}`}>
            Role of {user.email}
          </label>
          <select
            id={`role-${user.id}`}
            className="input py-1"
            defaultValue={user.role}
            disabled={pending}
            onChange={(e) => run(() => setRoleAction({ id: user.id, role: e.target.value as (typeof ROLES)[number] }))}
          >
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </td>
        <td className="py-2 pr-4">{user.disabled ? <span className="text-red-700">disabled</span> : 'active'}</td>
        <td className="py-2 pr-4 align-top">
          <details>
            <summary className="cursor-pointer">
              {sessions.length} session{sessions.length === 1 ? '' : 's'}
            </summary>
            <div className="mt-2 min-w-96">
              <SessionList
                sessions={sessions}
                who={user.email}
                revoke={(id) => revokeUserSessionAction({ userId: user.id, id })}
                revokeOthers={() => revokeUserSessionsAction({ userId: user.id })}
                othersLabel={self ? 'Sign out everywhere else' : `Sign ${user.email} out everywhere`}
              />
            </div>
          </details>
        </td>
        <td className="flex gap-2 py-2">
          {self && !user.disabled ? (
            // The action refuses it: an admin disabling themselves would lock themselves out.
            <span className="py-1 text-xs text-slate-600" data-testid="no-self-disable">
              You cannot disable your own account; another admin can.
            </span>
          ) : (
            <button
              type="button"
              className="btn-secondary py-1"
              disabled={pending}
              onClick={() => run(() => setDisabledAction({ id: user.id, disabled: !user.disabled }))}
            >
              {user.disabled ? 'Enable' : 'Disable'}
            </button>
          )}
          <button
            type="button"
            className="btn-secondary py-1"
            disabled={pending}
            onClick={() =>
              run(
                () => resetPasswordAction({ id: user.id }),
                ({ password }) => `New password for ${user.email} (shown once): ${password}. Their sessions have ended and their API tokens no longer work.`,
              )
            }
          >
            Reset password
          </button>
        </td>
      </tr>
      {msg && (
        <tr>
          <td colSpan={6} className="pb-2">
            <Message msg={msg} />
          </td>
        </tr>
      )}
    </>
  );
}
