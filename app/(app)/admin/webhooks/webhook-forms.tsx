'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { Message } from '@/app/_components/message';
import { SubmitRow } from '@/app/_components/fields';
import { useAction } from '@/app/_components/use-action';
import type { WebhookEvent } from '@/lib/webhooks/events';
import type { WebhookView } from '@/lib/webhooks/hooks';
import {
  createWebhookAction,
  deleteWebhookAction,
  redeliverAction,
  revealWebhookSecretAction,
  rotateWebhookSecretAction,
  sendTestEventAction,
  setWebhookEnabledAction,
  setWebhookEventsAction,
} from './actions';

/** The secret, selectable, with what to do with it. */
function secretText(url: string, secret: string, verb: string) {
  return `${verb} ${url}. Its secret (keep it with the receiver; Reveal shows it again): ${secret}`;
}

export function CreateWebhookForm({ events }: { events: WebhookEvent[] }) {
  const { msg, pending, run, submit } = useAction();
  return (
    <form
      className="space-y-3"
      onSubmit={submit((f, form) => {
        const url = String(f.get('url'));
        run(
          () => createWebhookAction({ url, events: f.getAll('events').map(String) as WebhookEvent[] }),
          ({ secret }) => {
            form.reset();
            return secretText(url, secret, 'Added');
          },
        );
      })}
    >
      <div className="max-w-xl">
        <label className="label" htmlFor="hook-url">
          URL (http:// or https://)
        </label>
        <input id="hook-url" name="url" type="url" required placeholder="https://hooks.example.com/masklab" className="input" />
      </div>
      <fieldset>
        <legend className="label">Events</legend>
        <div className="flex flex-wrap gap-4 text-sm">
          {events.map((e) => (
            <label key={e} className="flex items-center gap-1">
              <input type="checkbox" name="events" value={e} defaultChecked /> <code>{e}</code>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="flex flex-wrap items-center gap-3">
        <SubmitRow label="Add webhook" busy="Adding…" pending={pending} msg={msg} className="w-full break-all" />
      </div>
    </form>
  );
}

export function WebhookRow({ hook, allEvents }: { hook: WebhookView; allEvents: WebhookEvent[] }) {
  const { msg, pending, run } = useAction();
  const router = useRouter();
  const id = hook.id;
  const label = id ?? 'env';
  return (
    <>
      <tr className="border-t border-slate-100" data-testid={`webhook-${label}`}>
        <td className="min-w-48 break-all py-2 pr-4">
          {hook.url}
          {id === null && <div className="text-xs text-slate-500">MASKLAB_WEBHOOK_URL{hook.signed ? ', signed with MASKLAB_WEBHOOK_SECRET' : ', not signed (no MASKLAB_WEBHOOK_SECRET)'}</div>}
        </td>
        <td className="py-2 pr-4">
          {hook.events === 'all' ? (
            'all'
          ) : (
            <fieldset className="flex flex-col gap-1 text-xs" disabled={pending}>
              <legend className="sr-only">Events of {hook.url}</legend>
              {allEvents.map((e) => (
                <label key={e} className="flex items-center gap-1">
                  <input
                    type="checkbox"
                    checked={(hook.events as WebhookEvent[]).includes(e)}
                    onChange={(ev) => {
                      const now = hook.events as WebhookEvent[];
                      const next = ev.target.checked ? [...now, e] : now.filter((x) => x !== e);
                      run(() => setWebhookEventsAction({ id: id!, events: next }));
                    }}
                  />
                  <code>{e}</code>
                </label>
              ))}
            </fieldset>
          )}
        </td>
        <td className="py-2 pr-4">{hook.enabled ? 'enabled' : <span className="text-red-700">disabled</span>}</td>
        <td className="py-2">
          <div className="flex flex-wrap gap-2">
            <button type="button" className="btn-secondary py-1" disabled={pending || !hook.enabled} onClick={() => run(() => sendTestEventAction({ id }), () => {
              router.refresh();
              return 'Test event queued: the worker sends it within seconds; see Deliveries below.';
            })}>
              Send test event
            </button>
            {id !== null && (
              <>
                <button type="button" className="btn-secondary py-1" disabled={pending} onClick={() => run(() => setWebhookEnabledAction({ id, enabled: !hook.enabled }))}>
                  {hook.enabled ? 'Disable' : 'Enable'}
                </button>
                <button type="button" className="btn-secondary py-1" disabled={pending} onClick={() => run(() => revealWebhookSecretAction({ id }), ({ secret }) => `Secret of ${hook.url}: ${secret}`)}>
                  Reveal secret
                </button>
                <button
                  type="button"
                  className="btn-secondary py-1"
                  disabled={pending}
                  onClick={() => {
                    if (confirm(`Give ${hook.url} a new secret? The old one stops working at once.`)) run(() => rotateWebhookSecretAction({ id }), ({ secret }) => secretText(hook.url, secret, 'New secret for'));
                  }}
                >
                  Rotate secret
                </button>
                <button
                  type="button"
                  className="btn-danger py-1"
                  disabled={pending}
                  onClick={() => {
                    if (confirm(`Delete the webhook ${hook.url} and its delivery log?`)) run(() => deleteWebhookAction({ id }));
                  }}
                >
                  Delete
                </button>
              </>
            )}
          </div>
        </td>
      </tr>
      {msg && (
        <tr>
          <td colSpan={4} className="break-all pb-2">
            <Message msg={msg} />
          </td>
        </tr>
      )}
    </>
  );
}

export function RedeliverButton({ deliveryId }: { deliveryId: string }) {
  const { msg, pending, run } = useAction();
  const router = useRouter();
  return (
    <div>
      <button type="button" className="btn-secondary py-1 text-xs" disabled={pending} onClick={() => run(() => redeliverAction({ deliveryId }), () => router.refresh())}>
        Redeliver
      </button>
      {msg?.kind === 'error' && <Message msg={msg} />}
    </div>
  );
}

/** Reloads the page's data every 2 s while a delivery is on its way, so the log shows how it went. */
export function AutoRefresh({ active }: { active: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => router.refresh(), 2000);
    return () => clearInterval(t);
  }, [active, router]);
  return (
    <button type="button" className="btn-secondary py-1 text-xs" onClick={() => router.refresh()}>
      {active ? 'Refreshing…' : 'Refresh'}
    </button>
  );
}
