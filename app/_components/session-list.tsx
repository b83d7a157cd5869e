'use client';
// A user's signed-in sessions (lib/auth/sessions.ts), for the Account page (your own) and the
// Users page (an admin's view of an account): each with its browser, address and last use,
// a Revoke button, and one button that ends all of them but the current one.
import { Message } from './message';
import { useAction } from './use-action';
import type { ActionResult } from '@/app/_server/guard';

export type SessionRow = { id: string; createdAt: string; lastSeenAt: string; userAgent: string | null; address: string | null; current: boolean };

/** "Firefox on Linux" from a User-Agent string, or the string itself (cut) when unknown. */
export function describeAgent(ua: string | null): string {
  if (!ua) return 'Unknown browser';
  const browser = [['Edg/', 'Edge'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Chromium/', 'Chromium'], ['Safari/', 'Safari']].find(([k]) => ua.includes(k))?.[1];
  const os = [['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Windows', 'Windows'], ['Mac OS X', 'macOS'], ['Linux', 'Linux']].find(([k]) => ua.includes(k))?.[1];
  if (!browser) return ua.length > 60 ? `${ua.slice(0, 60)}…` : ua;
  return os ? `${browser} on ${os}` : browser;
}

export function SessionList({
  sessions,
  who,
  revoke,
  revokeOthers,
  othersLabel,
}: {
  sessions: SessionRow[];
  /** Whose sessions, for the buttons' accessible names ("your", or an e-mail). */
  who: string;
  revoke: (id: string) => Promise<ActionResult<unknown>>;
  revokeOthers: () => Promise<ActionResult<{ revoked: number }>>;
  othersLabel: string;
}) {
  const { msg, pending, run } = useAction();
  const others = sessions.filter((s) => !s.current).length;
  return (
    <div className="space-y-2">
      <ul className="divide-y divide-slate-100 text-sm" aria-label={`Sessions of ${who}`}>
        {sessions.map((s) => (
          <li key={s.id} className="flex items-center justify-between gap-2 py-2" data-testid="session-row">
            <span>
              {describeAgent(s.userAgent)}
              {s.current && <strong className="ml-2 text-xs text-emerald-700">(this device)</strong>}{' '}
              <span className="text-slate-500">
                · {s.address ?? 'address unknown'} · signed in {new Date(s.createdAt).toLocaleString()} · last seen {new Date(s.lastSeenAt).toLocaleString()}
              </span>
            </span>
            {!s.current && (
              <button
                type="button"
                className="btn-danger py-1"
                disabled={pending}
                aria-label={`Revoke the session of ${describeAgent(s.userAgent)} last seen ${new Date(s.lastSeenAt).toLocaleString()}`}
                onClick={() => run(() => revoke(s.id), () => 'Session revoked: that browser is signed out.')}
              >
                Revoke
              </button>
            )}
          </li>
        ))}
        {sessions.length === 0 && <li className="py-2 text-slate-500">No sessions.</li>}
      </ul>
      {others > 0 && (
        <button
          type="button"
          className="btn-secondary"
          disabled={pending}
          onClick={() => run(revokeOthers, ({ revoked }) => `Signed out ${revoked} session${revoked === 1 ? '' : 's'}.`)}
        >
          {othersLabel}
        </button>
      )}
      <Message msg={msg} />
    </div>
  );
}
